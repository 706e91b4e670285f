import io.farsync.sync.scan.Entry;
import io.farsync.sync.scan.EntryTable;
import io.farsync.sync.snapshot.SnapshotStore;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.Map;
import java.util.NavigableMap;

/**
 * Thread CPU of loading a snapshot database over a table of its own entries (the load of an
 * unchanged re-sync, SnapshotStore.loadAll(EntryTable)), RUNS times in one JVM. Run by
 * bench/snapshot-load.sh against any build's jar.
 */
public class SnapshotLoadBench {
    public static void main(String[] a) throws Exception {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        try (SnapshotStore s = SnapshotStore.open(Path.of(a[0]))) {
            NavigableMap<String, Entry> all = s.loadAll();
            EntryTable.Builder b = new EntryTable.Builder(all.size());
            all.values().forEach(b::add);
            EntryTable t = b.build();
            all = null;
            for (int i = 0; i < Integer.parseInt(a[1]); i++) {
                long c0 = mx.getCurrentThreadCpuTime();
                Map<String, Entry> m = s.loadAll(t);
                long c1 = mx.getCurrentThreadCpuTime();
                System.out.printf("run %d: %.3f s cpu, size %d%n", i, (c1 - c0) / 1e9, m.size());
            }
        }
    }
}
