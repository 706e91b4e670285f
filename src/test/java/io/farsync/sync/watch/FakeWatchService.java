package io.farsync.sync.watch;

import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Path;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.Watchable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A WatchService the test drives by hand: {@link #signal} queues an event (OVERFLOW included) on
 * a directory's key, as the kernel would. Registration goes through {@link #registrar()}.
 */
final class FakeWatchService implements WatchService {
    private static final WatchKey CLOSED = new Key(null, null);
    private final LinkedBlockingQueue<WatchKey> ready = new LinkedBlockingQueue<>();
    final Map<Path, Key> keys = new ConcurrentHashMap<>();
    private volatile boolean closed;
    /** While set, a watcher that took a key waits here: signals queued meanwhile arrive as one burst. */
    private volatile CountDownLatch gate;

    NativeTreeWatcher.Registrar registrar() {
        return dir -> keys.computeIfAbsent(dir, d -> new Key(this, d));
    }

    <T> void signal(Path dir, WatchEvent.Kind<T> kind, T context) {
        Key k = keys.get(dir);
        synchronized (k) {
            k.events.add(new Event<>(kind, context));
        }
        ready.add(k);
    }

    /** Holds back delivery, so the signals that follow reach the watcher together, as a burst from the kernel does. */
    void hold() {
        gate = new CountDownLatch(1);
    }

    void release() {
        CountDownLatch g = gate;
        gate = null;
        if (g != null) {
            g.countDown();
        }
    }

    @Override
    public void close() {
        closed = true;
        ready.add(CLOSED);
    }

    @Override
    public WatchKey poll() {
        return check(ready.poll());
    }

    @Override
    public WatchKey poll(long timeout, TimeUnit unit) throws InterruptedException {
        return passGate(check(ready.poll(timeout, unit)));
    }

    @Override
    public WatchKey take() throws InterruptedException {
        return passGate(check(ready.take()));
    }

    private WatchKey passGate(WatchKey k) throws InterruptedException {
        CountDownLatch g = gate;
        if (k != null && g != null) {
            g.await();
        }
        return k;
    }

    private WatchKey check(WatchKey k) {
        if (closed || k == CLOSED) {
            ready.add(CLOSED);
            throw new ClosedWatchServiceException();
        }
        return k;
    }

    record Event<T>(WatchEvent.Kind<T> kind, T context) implements WatchEvent<T> {
        @Override
        public int count() {
            return 1;
        }
    }

    static final class Key implements WatchKey {
        private final FakeWatchService service;
        private final Path dir;
        private final List<WatchEvent<?>> events = new ArrayList<>();
        private volatile boolean valid = true;

        Key(FakeWatchService service, Path dir) {
            this.service = service;
            this.dir = dir;
        }

        @Override
        public boolean isValid() {
            return valid;
        }

        @Override
        public synchronized List<WatchEvent<?>> pollEvents() {
            List<WatchEvent<?>> copy = List.copyOf(events);
            events.clear();
            return copy;
        }

        @Override
        public boolean reset() {
            return valid;
        }

        @Override
        public void cancel() {
            valid = false;
            service.keys.remove(dir, this);
        }

        @Override
        public Watchable watchable() {
            return dir;
        }
    }
}
