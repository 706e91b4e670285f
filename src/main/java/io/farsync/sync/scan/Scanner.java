package io.farsync.sync.scan;

import io.farsync.common.ExitCode;
import io.farsync.common.FarsyncException;
import io.farsync.sync.filter.Filter;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Collections;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Walks a tree with lstat only: symlinks are recorded as links and never followed, so a scan can
 * neither leave the root nor loop. Temp files of the engine ({@link TempNames}) are never listed;
 * a destination scan also deletes them as leftovers of a killed run. Errors on single entries are
 * collected and the walk goes on; only an unreadable root ends it.
 */
public final class Scanner {

    private static final Logger log = LoggerFactory.getLogger(Scanner.class);

    /** Partial files untouched this long are not worth resuming: removed like temp files. */
    public static final Duration MAX_PARTIAL_AGE = Duration.ofDays(7);

    private final boolean removeStaleTemps;
    private final Map<String, Path> partials = new TreeMap<>();
    private final Set<Path> excluded;
    private final Filter filter;

    /**
     * @param removeStaleTemps delete engine temp files found (destination side)
     * @param excluded         absolute paths never listed (e.g. a snapshot database inside the tree)
     * @param filter           entries it excludes are not listed, excluded directories not entered
     */
    public Scanner(boolean removeStaleTemps, Set<Path> excluded, Filter filter) {
        this.removeStaleTemps = removeStaleTemps;
        this.excluded = Set.copyOf(excluded);
        this.filter = filter;
    }

    public Scanner(boolean removeStaleTemps, Set<Path> excluded) {
        this(removeStaleTemps, excluded, Filter.NONE);
    }

    public ScanResult scan(Path root) {
        return scan(root, List.of(""));
    }

    /**
     * Scans only the given subtrees (relative paths, none below another; {@code ""} is the whole
     * tree), plus the entries of their ancestors, which a sync of a subtree needs as parents. A
     * subtree or ancestor that does not exist is simply absent from the result.
     */
    public ScanResult scan(Path root, Collection<String> subtrees) {
        TreeMap<String, Entry> entries = new TreeMap<>();
        Map<String, String> errors = new LinkedHashMap<>();
        Set<String> incomplete = new HashSet<>();
        int staleRemoved = 0;
        partials.clear();
        Deque<String> dirs = new ArrayDeque<>();
        for (String subtree : subtrees) {
            if (subtree.isEmpty()) {
                dirs.push("");
            } else if (visitPath(root, subtree, entries, errors, incomplete)) {
                dirs.push(subtree);
            }
        }
        while (!dirs.isEmpty()) {
            String rel = dirs.pop();
            Path dir = rel.isEmpty() ? root : root.resolve(rel);
            try (DirectoryStream<Path> children = Files.newDirectoryStream(dir)) {
                for (Path child : children) {
                    String name = child.getFileName().toString();
                    String childRel = rel.isEmpty() ? name : rel + "/" + name;
                    if (removeStaleTemps && TempNames.isPartialName(name) && keepPartial(child)) {
                        partials.put(childRel, child);
                        continue;
                    }
                    if (TempNames.isTempName(name)) {
                        if (removeStaleTemps && removeStaleTemp(child)) {
                            staleRemoved++;
                        }
                        continue;
                    }
                    if (excluded.contains(child)) {
                        continue;
                    }
                    try {
                        Entry e = Stat.lstatOrNull(child, childRel);
                        if (e == null) {
                            log.debug("skipping special file {}", child);
                            continue;
                        }
                        if (filter.excludes(childRel, e.isDirectory())) {
                            continue;
                        }
                        entries.put(childRel, e);
                        if (e.isDirectory()) {
                            dirs.push(childRel);
                        }
                    } catch (IOException e) {
                        if (!filter.excludes(childRel, false) && !filter.excludes(childRel, true)) {
                            errors.put(childRel, IoReasons.reason(e));
                            incomplete.add(childRel);
                        }
                    }
                }
            } catch (IOException e) {
                if (rel.isEmpty()) {
                    ExitCode code = e instanceof java.nio.file.AccessDeniedException ? ExitCode.PERMISSION_DENIED
                            : e instanceof java.nio.file.NoSuchFileException ? ExitCode.SOURCE_NOT_FOUND
                            : ExitCode.TRANSFER_FAILED;
                    throw new FarsyncException(code, IoReasons.reason(e) + ": " + root, e);
                }
                errors.put(rel, IoReasons.reason(e));
                incomplete.add(rel);
            }
        }
        return new ScanResult(Collections.unmodifiableNavigableMap(entries), errors, incomplete, staleRemoved);
    }

    /**
     * Lists {@code subtree}'s ancestors and itself, top down, by lstat; true if the subtree is a
     * directory to walk. Stops at the first that is missing, no directory, skipped or unreadable.
     */
    private boolean visitPath(Path root, String subtree, Map<String, Entry> entries, Map<String, String> errors,
            Set<String> incomplete) {
        int from = 0;
        while (true) {
            int slash = subtree.indexOf('/', from);
            String rel = slash < 0 ? subtree : subtree.substring(0, slash);
            Entry e = entries.get(rel);
            if (e == null) {
                Path p = root.resolve(rel);
                String name = p.getFileName().toString();
                if (TempNames.isTempName(name) || TempNames.isPartialName(name) || excluded.contains(p)) {
                    return false;
                }
                try {
                    e = Stat.lstatOrNull(p, rel);
                } catch (IOException ex) {
                    errors.put(rel, IoReasons.reason(ex));
                    incomplete.add(rel);
                    return false;
                }
                if (e == null || filter.excludes(rel, e.isDirectory())) {
                    return false;
                }
                entries.put(rel, e);
            }
            if (!e.isDirectory()) {
                return false;
            }
            if (slash < 0) {
                return true;
            }
            from = slash + 1;
        }
    }

    /**
     * Partial files (destination side) kept for resuming, by relative path, from the latest
     * {@link #scan}; those older than {@link #MAX_PARTIAL_AGE} were removed instead.
     */
    public Map<String, Path> partials() {
        return partials;
    }

    /** True if {@code p} is a regular file modified within {@link #MAX_PARTIAL_AGE}. */
    private static boolean keepPartial(Path p) {
        try {
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            return a.isRegularFile() && a.lastModifiedTime().toInstant().isAfter(Instant.now().minus(MAX_PARTIAL_AGE));
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean removeStaleTemp(Path p) {
        try {
            if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                Files.delete(p);
                log.info("removed stale temp file {}", p);
                return true;
            }
        } catch (IOException e) {
            log.warn("could not remove stale temp file {}: {}", p, IoReasons.reason(e));
        }
        return false;
    }
}
