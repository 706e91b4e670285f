package io.farsync.cli;

import static org.awaitility.Awaitility.await;

import io.farsync.sync.SyncOptions;
import io.farsync.transport.TransportConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/** {@code farsync sync SRC DST --continuous} running in-process on a background thread. */
final class BackgroundContinuous implements AutoCloseable {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    final ContinuousRunner runner;
    private final Thread thread;
    private volatile Integer exit;

    BackgroundContinuous(String src, String dst, Path home, Path identity, int port, ContinuousRunner.Settings settings) {
        this(src, dst, home, identity, port, settings, null);
    }

    /** @param watchers the local watcher's factory; null for the real one */
    BackgroundContinuous(String src, String dst, Path home, Path identity, int port, ContinuousRunner.Settings settings,
            ContinuousRunner.WatcherFactory watchers) {
        Location s = Location.parse(src);
        Location d = Location.parse(dst);
        boolean local = s instanceof Location.Local && d instanceof Location.Local;
        TransportConfig transport = TransportConfig.defaults().withRate(1_000_000_000L)
                .withDatagramSize(local ? SyncCommand.LOOPBACK_DATAGRAM : TransportConfig.defaults().datagramSize());
        SyncRunner.Settings sync = new SyncRunner.Settings(s, d, port, identity, transport, 128, SyncOptions.defaults());
        runner = ContinuousRunner.forCli(sync, settings, new FarsyncHome(home),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), false);
        if (watchers != null) {
            runner.withWatchers(watchers);
        }
        thread = new Thread(() -> exit = runner.run(), "test-continuous");
        thread.setDaemon(true);
        thread.start();
    }

    static ContinuousRunner.Settings settings(double cooloffSeconds, double scanSeconds) {
        return ContinuousRunner.Settings.defaults(Duration.ofMillis(Math.round(cooloffSeconds * 1000)),
                Duration.ofMillis(Math.round(scanSeconds * 1000)), io.farsync.sync.watch.WatchMode.AUTO);
    }

    String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    /** Syncs that completed (successfully or not) so far. */
    long syncs() {
        return out().lines().filter(l -> l.matches("\\S+ sync #\\d+ .*")).count();
    }

    /** The lines of completed syncs, in order. */
    java.util.List<String> syncLines() {
        return out().lines().filter(l -> l.matches("\\S+ sync #\\d+ .*")).toList();
    }

    /** Wire bytes a completed sync's line reports ("...; 12.3 KiB on the wire"), to the unit's precision. */
    static long wireBytes(String syncLine) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("; ([\\d.]+) (B|KiB|MiB|GiB) on the wire").matcher(syncLine);
        if (!m.find()) {
            throw new AssertionError("no wire bytes in: " + syncLine);
        }
        double v = Double.parseDouble(m.group(1));
        return Math.round(v * switch (m.group(2)) {
            case "KiB" -> 1024.0;
            case "MiB" -> 1024.0 * 1024;
            case "GiB" -> 1024.0 * 1024 * 1024;
            default -> 1.0;
        });
    }

    void awaitSyncs(long n) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(10))
                .until(() -> syncs() >= n || exit != null);
    }

    /** Stops it as SIGTERM would and returns the exit status. */
    int stop() throws InterruptedException {
        runner.stopAndWait();
        thread.join(Duration.ofSeconds(30).toMillis());
        return Objects.requireNonNull(exit, "still running");
    }

    @Override
    public void close() throws InterruptedException {
        if (thread.isAlive()) {
            stop();
        }
        System.out.println("--- continuous stdout\n" + out() + "--- continuous stderr\n" + err());
    }
}
