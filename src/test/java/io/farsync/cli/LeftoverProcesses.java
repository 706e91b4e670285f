package io.farsync.cli;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Kills and waits for every farsync process a test started, after the test: a process left running
 * would write into the test's temp dir during its cleanup. Register with {@code @RegisterExtension}.
 */
final class LeftoverProcesses implements AfterEachCallback {
    private final List<Process> started = new CopyOnWriteArrayList<>();

    /** Returns {@code p}, now killed after the test if it is still running. */
    Process track(Process p) {
        started.add(p);
        return p;
    }

    @Override
    public void afterEach(ExtensionContext context) throws InterruptedException {
        for (Process p : started) {
            p.destroyForcibly().waitFor();
        }
        started.clear();
    }
}
