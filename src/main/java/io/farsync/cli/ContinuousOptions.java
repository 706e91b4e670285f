package io.farsync.cli;

import io.farsync.common.ExitCode;
import io.farsync.common.FarsyncException;
import io.farsync.sync.watch.WatchMode;
import java.time.Duration;
import picocli.CommandLine.Option;

/** The options of {@code farsync sync --continuous}, mixed into {@link SyncCommand}. */
final class ContinuousOptions {
    static final double DEFAULT_COOLOFF = 1.0;
    /** Safety-net full syncs when the source is watched: cheap, and catch what events cannot (mmap writes). */
    static final double DEFAULT_SCAN_WATCHED = 600;
    /** Full syncs when a side cannot be watched (bidirectional sync's other side, or watching failed). */
    static final double DEFAULT_SCAN_UNWATCHED = 10;

    @Option(names = "--continuous", description = "keep running after the first sync: watch the source and sync each change"
            + " (stop with SIGTERM or Ctrl-C)")
    boolean continuous;

    @Option(names = "--cooloff", paramLabel = "SECONDS", description = "with --continuous: sync once the source has been quiet"
            + " this long, at most 10 times this after the first change (default: " + DEFAULT_COOLOFF + ")")
    Double cooloff;

    @Option(names = "--scan-interval", paramLabel = "SECONDS", description = "with --continuous: also run a full sync this often;"
            + " 0 turns it off (default: " + DEFAULT_SCAN_WATCHED + "; " + DEFAULT_SCAN_UNWATCHED + " with --bidi, whose remote"
            + " side is not watched)")
    Double scanInterval;

    @Option(names = "--watch", paramLabel = "auto|native|poll", description = "with --continuous: how to watch a local source"
            + " (default: auto, native events unless the file system is a network one)")
    String watch;

    /** Rejects continuous-only options given without {@code --continuous}. */
    void checkUnused() {
        if (!continuous && (cooloff != null || scanInterval != null || watch != null)) {
            throw new FarsyncException(ExitCode.USAGE, "--cooloff, --scan-interval and --watch need --continuous");
        }
    }

    /** @param peerUnwatched a side that changes is not watched (the remote side of --bidi) */
    ContinuousRunner.Settings settings(boolean peerUnwatched) {
        double c = cooloff == null ? DEFAULT_COOLOFF : cooloff;
        if (!(c >= 0 && c <= 86_400)) {
            throw new FarsyncException(ExitCode.USAGE, "--cooloff (" + c + ") must be between 0 and 86400 seconds");
        }
        double s = scanInterval == null ? (peerUnwatched ? DEFAULT_SCAN_UNWATCHED : DEFAULT_SCAN_WATCHED) : scanInterval;
        if (!(s >= 0 && s <= 31_536_000)) {
            throw new FarsyncException(ExitCode.USAGE, "--scan-interval (" + s + ") must be between 0 and 31536000 seconds");
        }
        if (peerUnwatched && s == 0) {
            throw new FarsyncException(ExitCode.USAGE, "--scan-interval 0: with --bidi the remote side is not watched, so it needs periodic syncs");
        }
        WatchMode mode;
        try {
            mode = watch == null ? WatchMode.AUTO : WatchMode.parse(watch);
        } catch (IllegalArgumentException e) {
            throw new FarsyncException(ExitCode.USAGE, e.getMessage());
        }
        return ContinuousRunner.Settings.defaults(seconds(c), seconds(s), mode);
    }

    private static Duration seconds(double s) {
        return Duration.ofNanos(Math.round(s * 1e9));
    }
}
