package io.farsync.sync.watch;

import java.util.Locale;

/** How a tree is watched: {@code --watch auto|native|poll}. */
public enum WatchMode {
    /** Native events (inotify through the JDK WatchService) unless the file system is known not to deliver them. */
    AUTO,
    /** The JDK WatchService; on Linux that is inotify. Falls back to polling when the watch limit is reached. */
    NATIVE,
    /** Periodic walks comparing each directory's listing and lstat data. Works everywhere, costs a walk per poll. */
    POLL;

    public static WatchMode parse(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "auto" -> AUTO;
            case "native", "inotify" -> NATIVE;
            case "poll", "polling" -> POLL;
            default -> throw new IllegalArgumentException("unknown watch mode '" + s + "': expected auto, native or poll");
        };
    }
}
