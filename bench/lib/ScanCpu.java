import io.farsync.sync.filter.Filter;
import io.farsync.sync.scan.ScanResult;
import io.farsync.sync.scan.Scanner;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Set;

/** bench/scan-cpu.sh's driver: scans a tree N times in one JVM, printing each scan's wall and process CPU seconds. */
public class ScanCpu {
    public static void main(String[] args) {
        Path root = Path.of(args[0]);
        int runs = Integer.parseInt(args[1]);
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : Scanner.DEFAULT_PARALLELISM;
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        for (int i = 0; i < runs; i++) {
            long cpu = os.getProcessCpuTime();
            long wall = System.nanoTime();
            ScanResult r = new Scanner(false, Set.of(), Filter.NONE, threads).scan(root);
            System.out.printf("scan %d: %d entries, %d errors, wall %.2f s, cpu %.2f s%n", i, r.entries().size(),
                    r.errors().size(), (System.nanoTime() - wall) / 1e9, (os.getProcessCpuTime() - cpu) / 1e9);
        }
    }
}
