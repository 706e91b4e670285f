package io.farsync.sync;

import io.farsync.common.ExitCode;
import io.farsync.common.FarsyncException;
import io.farsync.sync.scan.ReplicaDir;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Keeps every path inside a root: validates relative wire paths and resolves requested
 * directories the way a chroot would.
 */
public final class PathJail {

    /** Longest file name component Linux file systems accept. */
    public static final int MAX_COMPONENT_BYTES = 255;

    private PathJail() {
    }

    /**
     * Resolves {@code requested} (as a client names it, "/project" or "project/sub") inside
     * {@code root}: absolute paths are taken relative to the root, ".." may not climb above it, and
     * the resolved path's existing part may not leave the root through a symlink, and no component
     * of it (as named, or as a symlink inside the root resolves) may be the reserved
     * {@link ReplicaDir}: a client given the replica directory as its destination could rename its
     * own {@code versions.db} over the root's live store. Throws
     * {@link io.farsync.common.FarsyncException} with {@code PATH_ESCAPE} otherwise.
     */
    public static Path resolveInRoot(Path root, String requested) {
        String req = requested == null ? "" : requested;
        if (req.indexOf('\0') >= 0) {
            throw new FarsyncException(ExitCode.PATH_ESCAPE, "invalid path (NUL character): " + show(req));
        }
        Deque<String> parts = new ArrayDeque<>();
        for (String c : req.split("/")) {
            if (c.isEmpty() || c.equals(".")) {
                continue;
            }
            if (c.equals("..")) {
                if (parts.isEmpty()) {
                    throw escape(req);
                }
                parts.removeLast();
            } else {
                parts.addLast(c);
            }
        }
        if (parts.stream().anyMatch(ReplicaDir::isReserved)) {
            throw reserved(req);
        }
        Path result = root;
        for (String c : parts) {
            result = result.resolve(c);
        }
        if (!Files.exists(root)) {
            return result;
        }
        Path rootReal;
        try {
            rootReal = root.toRealPath();
        } catch (IOException e) {
            throw new FarsyncException(ExitCode.PATH_ESCAPE, "cannot resolve the root " + root + ": " + e.getMessage(), e);
        }
        Path cur = root;
        for (String c : parts) {
            cur = cur.resolve(c);
            if (Files.isSymbolicLink(cur)) {
                Path target = linkTarget(cur);
                if (target == null || !target.startsWith(rootReal)) {
                    throw escape(req);
                }
                if (namesReplicaDir(rootReal.relativize(target))) {
                    throw reserved(req);
                }
            } else if (!Files.exists(cur, LinkOption.NOFOLLOW_LINKS)) {
                break;
            }
        }
        return result;
    }

    /** Where {@code link} leads (absolute, real as far as it exists), or null if that cannot be told. */
    private static Path linkTarget(Path link) {
        try {
            return link.toRealPath();
        } catch (IOException dangling) {
            // A dangling link is judged by its text: it must not point outside once created.
            try {
                Path target = Files.readSymbolicLink(link);
                return link.getParent().toRealPath().resolve(target).normalize();
            } catch (IOException e) {
                return null;
            }
        }
    }

    private static boolean namesReplicaDir(Path relative) {
        for (Path c : relative) {
            if (ReplicaDir.isReserved(c.toString())) {
                return true;
            }
        }
        return false;
    }

    /**
     * Checks a relative path received from a peer: '/'-separated, no leading '/', no empty, "."
     * or ".." components, no {@link io.farsync.sync.scan.ReplicaDir} component, no NUL, each component at most {@value #MAX_COMPONENT_BYTES} bytes of
     * UTF-8. Returns it unchanged; throws {@code PATH_ESCAPE} with the offending path otherwise.
     */
    public static String checkWirePath(String path) {
        if (path == null || path.isEmpty()) {
            throw invalid("empty path", "");
        }
        if (path.indexOf('\0') >= 0) {
            throw invalid("NUL character", path);
        }
        if (path.startsWith("/")) {
            throw escape(path);
        }
        int start = 0;
        while (start <= path.length()) {
            int slash = path.indexOf('/', start);
            int end = slash < 0 ? path.length() : slash;
            String c = path.substring(start, end);
            if (c.isEmpty()) {
                throw invalid("empty component", path);
            }
            if (c.equals("..")) {
                throw escape(path);
            }
            if (c.equals(".")) {
                throw invalid("'.' component", path);
            }
            if (ReplicaDir.isReserved(c)) {
                throw invalid("farsync's reserved replica directory", path);
            }
            if (c.getBytes(StandardCharsets.UTF_8).length > MAX_COMPONENT_BYTES) {
                throw invalid("component longer than " + MAX_COMPONENT_BYTES + " bytes", path);
            }
            if (slash < 0) {
                break;
            }
            start = slash + 1;
        }
        return path;
    }

    private static FarsyncException escape(String path) {
        return new FarsyncException(ExitCode.PATH_ESCAPE, "path escapes the root: " + show(path));
    }

    private static FarsyncException reserved(String path) {
        return new FarsyncException(ExitCode.PATH_ESCAPE,
                "path names farsync's reserved replica directory (" + ReplicaDir.NAME + ", in any letter case): " + show(path));
    }

    private static FarsyncException invalid(String why, String path) {
        return new FarsyncException(ExitCode.PATH_ESCAPE, "invalid path from peer (" + why + "): " + show(path));
    }

    /**
     * A rewrite of messages for the peer that shows {@code root} (an absolute local path) as
     * {@code name}, the path the peer asked for: a server's errors then tell the client where in
     * its tree, not where on the server's disks. Null (no rewrite) when they are the same.
     */
    public static java.util.function.UnaryOperator<String> showing(java.nio.file.Path root, String name) {
        String r = root.toString();
        if (name == null || r.equals(name) || r.equals("/")) {
            return null;
        }
        String shownRoot = name.isEmpty() ? "." : name;
        String shownPrefix = java.util.regex.Matcher.quoteReplacement(shownRoot.endsWith("/") ? shownRoot : shownRoot + "/");
        String shownBare = java.util.regex.Matcher.quoteReplacement(shownRoot);
        // what is below the root, then the root itself, where a path begins (text, blank, '(' '[' '=' ':' ','
        // quotes: not /var/data for a root /data) and, for the root alone, where it ends
        String begins = "(?<![^\\s(\\[=:,'\"])";
        java.util.regex.Pattern below = java.util.regex.Pattern.compile(begins + java.util.regex.Pattern.quote(r + "/"));
        java.util.regex.Pattern bare = java.util.regex.Pattern.compile(begins + java.util.regex.Pattern.quote(r) + "(?=$|[\\s:,;)\\]'\"])");
        return s -> s == null ? null : bare.matcher(below.matcher(s).replaceAll(shownPrefix)).replaceAll(shownBare);
    }

    /** The path with control characters escaped, so an error stays one readable line. */
    static String show(String path) {
        StringBuilder sb = new StringBuilder(path.length());
        for (int i = 0; i < path.length(); i++) {
            char ch = path.charAt(i);
            if (ch < 0x20 || ch == 0x7f) {
                sb.append(String.format("\\x%02x", (int) ch));
            } else {
                sb.append(ch);
            }
        }
        if (sb.length() > 300) {
            return sb.substring(0, 300) + "...";
        }
        return sb.toString();
    }
}
