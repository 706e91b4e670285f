package io.farsync.sync;

import io.farsync.sync.scan.Entry;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Names of conflict copies: {@code NAME.conflict-HOST-yyyyMMddTHHmmssZ.EXT}, where HOST is the
 * host whose version lost and the time is that version's mtime in UTC. The extension is the part
 * after the last dot of the name, unless that dot starts the name ({@code .bashrc} has none), with
 * a {@code .tar} before it ({@code a.tar.gz} becomes {@code a.conflict-...tar.gz}), so the copy
 * still opens with the same application.
 */
public final class ConflictNames {
    private static final java.util.regex.Pattern COPY = java.util.regex.Pattern.compile(
            ".*\\.conflict-[A-Za-z0-9._-]+-\\d{8}T\\d{6}Z(-\\d+)?(\\.tar)?(\\.[^.]*)?");
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    private ConflictNames() {
    }

    /** The conflict copy's relative path for {@code path}; {@code attempt} > 0 adds "-N" when the name is taken. */
    static String copyOf(String path, String host, long mtimeNanos, int attempt) {
        String parent = Entry.parentOf(path);
        String name = Entry.nameOf(path);
        int dot = name.lastIndexOf('.');
        if (dot > 4 && name.regionMatches(true, dot - 4, ".tar", 0, 4)) {
            dot -= 4;    // a compressed tar's two extensions stay together
        }
        String base = dot > 0 ? name.substring(0, dot) : name;
        String ext = dot > 0 ? name.substring(dot) : "";
        String tag = ".conflict-" + host + "-" + TIME.format(Instant.ofEpochSecond(Math.floorDiv(mtimeNanos, 1_000_000_000L)))
                + (attempt > 0 ? "-" + attempt : "");
        String copy = base + tag + ext;
        return parent.isEmpty() ? copy : parent + "/" + copy;
    }

    /** True if the last element of {@code path} is a conflict copy's name. */
    public static boolean isCopy(String path) {
        return COPY.matcher(Entry.nameOf(path)).matches();
    }

    static String cleanHost(String host) {
        String h = host.replaceAll("[^A-Za-z0-9._-]", "_");
        return h.isEmpty() ? "host" : h;
    }
}
