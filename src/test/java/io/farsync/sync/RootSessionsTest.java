package io.farsync.sync;

import static org.assertj.core.api.Assertions.assertThat;

import io.farsync.sync.scan.ReplicaDir;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The receiving turn on a root is taken across processes: a second JVM holding it (as a mesh
 * node's server does while a peer's job delivers into the root) keeps this process out until it
 * ends its turn.
 */
class RootSessionsTest {
    @TempDir
    Path tmp;

    @Test
    void receivingTurn_isHeldAcrossProcesses() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("root"));
        Process other = new ProcessBuilder(System.getProperty("java.home") + "/bin/java", "-cp", System.getProperty("java.class.path"),
                HoldReceivingTurn.class.getName(), root.toString()).redirectErrorStream(true).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(other.getInputStream(), StandardCharsets.UTF_8))) {
            assertThat(out.readLine()).isEqualTo("holding");
            FileChannel ch = FileChannel.open(ReplicaDir.of(root).resolve("receiving.lock"), StandardOpenOption.WRITE);
            assertThat(ch.tryLock()).as("the other process holds the turn").isNull();
            other.getOutputStream().close(); // ends its turn and exits
            assertThat(out.readLine()).isEqualTo("released");
            assertThat(other.waitFor(60, TimeUnit.SECONDS)).isTrue();
            try (ch; FileLock mine = ch.tryLock()) {
                assertThat(mine).as("free once it ended its turn").isNotNull();
            }
        } finally {
            other.destroyForcibly().waitFor();
        }
        io.farsync.common.InterProcessLock here = RootSessions.receiving(root);
        here.lock();
        here.unlock();
    }

    /**
     * One root spelled two ways in one JVM (a symlink and its target) is one turn: taking it
     * through the second spelling while holding it through the first nests instead of throwing
     * OverlappingFileLockException (which failed the session as an internal error).
     */
    @Test
    void receivingTurn_isOnePerRoot_whicheverWayTheRootIsSpelled() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("real"));
        Path link = Files.createSymbolicLink(tmp.resolve("link"), root);
        io.farsync.common.InterProcessLock viaRoot = RootSessions.receiving(root);
        io.farsync.common.InterProcessLock viaLink = RootSessions.receiving(link);
        assertThat(viaLink).isSameAs(viaRoot);
        viaRoot.lock();
        try {
            viaLink.lock();
            viaLink.unlock();
        } finally {
            viaRoot.unlock();
        }
        try (RootSessions.Registration a = RootSessions.enter(root); RootSessions.Registration b = RootSessions.enter(link)) {
            assertThat(RootSessions.alone(root)).as("two sessions on one root, however spelled").isFalse();
        }
    }

    /** Takes the receiving turn on the root named by the argument until stdin closes. */
    static final class HoldReceivingTurn {
        public static void main(String[] args) throws Exception {
            io.farsync.common.InterProcessLock turn = RootSessions.receiving(Path.of(args[0]));
            turn.lock();
            System.out.println("holding");
            System.out.flush();
            while (System.in.read() >= 0) {
                // wait for the test to close stdin
            }
            turn.unlock();
            System.out.println("released");
            System.out.flush();
        }
    }
}
