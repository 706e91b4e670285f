package io.farsync.sync;

import java.io.IOException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * One endpoint on its own thread, wired to the test (which plays the other side by hand) through
 * two in-memory pipes. {@link #close} ends both pipes and waits for the endpoint, so that an
 * endpoint still running (a failed test) does not use a store or write into the temp dir after it.
 */
final class EndpointPipes implements AutoCloseable {
    final ExecutorService pool = Executors.newSingleThreadExecutor();
    final MemoryPipe toDst = new MemoryPipe(64 * 1024);
    final MemoryPipe toSrc = new MemoryPipe(64 * 1024);

    @Override
    public void close() throws IOException, InterruptedException {
        toDst.close();
        toSrc.close();
        pool.shutdownNow();
        pool.awaitTermination(30, TimeUnit.SECONDS);
    }
}
