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
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CountedCompleter;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Walks a tree with lstat only: symlinks are recorded as links and never followed, so a scan can
 * neither leave the root nor loop; unless a source asks to leave them out or to follow them
 * ({@link Symlinks}): a followed link to a directory is walked like one, and one that leads to a
 * directory above it (in the tree or above the root) is an error for its path. Temp files of the
 * engine ({@link TempNames}) and replica directories ({@link ReplicaDir}) are never listed; a
 * destination scan also deletes them as leftovers of a killed run. Errors on single entries are
 * collected and the walk goes on; only an unreadable root ends it.
 *
 * <p>Directories are listed in parallel by a bounded fork/join pool: each directory is one task
 * that lists and lstats its children and forks a task per subdirectory (a
 * {@link CountedCompleter}, so no thread blocks waiting for its children). Each directory's
 * entries are sorted and packed into a compact {@link EntryTable} by the thread that listed it;
 * at the end the tables are merged by path into one (errors go into a sorted map), so the output
 * is the same whatever order the threads ran in. Merging once beat inserting into a shared
 * {@code ConcurrentSkipListMap} from every thread: its puts were 13 % of the CPU samples of a
 * 200,000-file re-sync, and its lookups are slower for the planner after; the compact tables
 * keep a 1,000,000-entry scan at ~70 MB instead of ~190 MB of entry objects. On a warm cache the walk is CPU-bound (lstat and the JDK's attribute map), on a cold
 * one it waits for the disk; more threads than cores help the latter.
 * A parallelism of 1 walks sequentially on the calling thread, with the same per-directory code.
 */
public final class Scanner {

    private static final Logger log = LoggerFactory.getLogger(Scanner.class);

    /** Partial files untouched this long are not worth resuming: removed like temp files. */
    public static final Duration MAX_PARTIAL_AGE = Duration.ofDays(7);

    /** How the JVM decodes file names (UTF-8 under a UTF-8 locale). */
    private static final String NAME_ENCODING = System.getProperty("sun.jnu.encoding", "UTF-8");

    /** Default number of directories listed at once: a cold disk serves several lstats in flight. */
    public static final int DEFAULT_PARALLELISM = Math.max(4, 2 * Runtime.getRuntime().availableProcessors());

    private final boolean removeStaleTemps;
    private final Set<Path> excluded;
    /** The directories holding an excluded path: only their children are looked up (hashing every path cost 3 %). */
    private final Set<Path> excludedParents;
    private final Filter filter;
    private final int parallelism;
    private Map<String, Path> partials = Map.of();
    /** Read each entry's user xattrs into {@link Entry#xattrHash()} ({@code --xattrs}, source side). */
    private boolean xattrs;
    /** What a symbolic link found becomes ({@code --symlinks}; destination scans keep {@link Symlinks#COPY}). */
    private Symlinks symlinks = Symlinks.COPY;
    /** Asked before each directory is listed: true ends the scan (see {@link #stopWhen}). */
    private BooleanSupplier stop = () -> false;

    /**
     * @param removeStaleTemps delete engine temp files found (destination side)
     * @param excluded         absolute paths never listed (e.g. a snapshot database inside the tree)
     * @param filter           entries it excludes are not listed, excluded directories not entered
     * @param parallelism      directories listed at once; 1 walks on the calling thread
     */
    public Scanner(boolean removeStaleTemps, Set<Path> excluded, Filter filter, int parallelism) {
        if (parallelism < 1) {
            throw new IllegalArgumentException("parallelism (" + parallelism + ") must be at least 1");
        }
        this.removeStaleTemps = removeStaleTemps;
        this.excluded = Set.copyOf(excluded);
        this.excludedParents = excluded.stream().map(Path::getParent).filter(java.util.Objects::nonNull)
                .collect(java.util.stream.Collectors.toUnmodifiableSet());
        this.filter = filter;
        this.parallelism = parallelism;
    }

    public Scanner(boolean removeStaleTemps, Set<Path> excluded, Filter filter) {
        this(removeStaleTemps, excluded, filter, DEFAULT_PARALLELISM);
    }

    public Scanner(boolean removeStaleTemps, Set<Path> excluded) {
        this(removeStaleTemps, excluded, Filter.NONE);
    }

    /** Also fingerprints each file's and directory's user extended attributes ({@link Xattrs}). */
    public Scanner withXattrs(boolean on) {
        this.xattrs = on;
        return this;
    }

    /** What symbolic links become: links ({@link Symlinks#COPY}), nothing, or what they lead to. */
    public Scanner withSymlinks(Symlinks mode) {
        this.symlinks = java.util.Objects.requireNonNull(mode, "mode");
        return this;
    }

    /**
     * Ends a scan early, with {@link Stopped}, once {@code stop} says so (asked before each
     * directory is listed): an endpoint whose session failed while it scanned (a server that
     * refused the sync) reports that at once instead of after scanning a large tree.
     */
    public Scanner stopWhen(BooleanSupplier stop) {
        this.stop = stop;
        return this;
    }

    /** A scan ended by {@link #stopWhen}: the caller reports why it asked for that. */
    public static final class Stopped extends FarsyncException {
        Stopped() {
            super(ExitCode.TRANSFER_FAILED, "scan stopped: the session ended");
        }
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
        Walk walk = new Walk(root);
        List<String> top = new ArrayList<>();
        if (subtrees.contains("")) {
            try {
                if (symlinks == Symlinks.FOLLOW) {
                    walk.chains.put("", Ancestors.ofRoot(root));
                }
                walk.list("", top);
            } catch (IOException e) {
                ExitCode code = e instanceof java.nio.file.AccessDeniedException ? ExitCode.PERMISSION_DENIED
                        : e instanceof java.nio.file.NoSuchFileException ? ExitCode.SOURCE_NOT_FOUND
                        : ExitCode.TRANSFER_FAILED;
                throw new FarsyncException(code, IoReasons.reason(e) + ": " + root, e);
            }
        } else {
            Map<String, Entry> ancestors = new TreeMap<>();
            // the root's own chain, read once for all the subtrees
            Ancestors rootChain = null;
            String rootError = null;
            if (symlinks == Symlinks.FOLLOW) {
                try {
                    rootChain = Ancestors.ofRoot(root);
                } catch (IOException ex) {
                    rootError = IoReasons.reason(ex);
                }
            }
            for (String subtree : subtrees) {
                if (rootError != null) {
                    walk.errors.put(subtree, rootError);
                    walk.incomplete.add(subtree);
                } else if (visitPath(root, subtree, ancestors, walk, rootChain)) {
                    top.add(subtree);
                }
            }
            walk.add(new ArrayList<>(ancestors.values()));
        }
        if (parallelism == 1 || top.isEmpty()) {
            walk.sequential(top);
        } else {
            walk.parallel(top);
        }
        partials = Collections.unmodifiableMap(walk.partials);
        return new ScanResult(walk.sortedEntries(), Collections.unmodifiableMap(walk.errors),
                walk.incomplete, walk.staleRemoved.get());
    }

    /**
     * Partial files (destination side) kept for resuming, by relative path, from the latest
     * {@link #scan}; those older than {@link #MAX_PARTIAL_AGE} were removed instead.
     */
    public Map<String, Path> partials() {
        return partials;
    }

    /** One scan's results, filled by any number of threads. */
    private final class Walk {
        final Path root;
        /** Each listed directory's entries, sorted, as a compact table (the entries die young). */
        final ConcurrentLinkedQueue<EntryTable> listings = new ConcurrentLinkedQueue<>();
        final ConcurrentSkipListMap<String, String> errors = new ConcurrentSkipListMap<>();
        final Set<String> incomplete = ConcurrentHashMap.newKeySet();
        final ConcurrentSkipListMap<String, Path> partials = new ConcurrentSkipListMap<>();
        final AtomicInteger staleRemoved = new AtomicInteger();
        /** With {@link Symlinks#FOLLOW}: the directories above each one still to be listed, by its path. */
        final Map<String, Ancestors> chains = new ConcurrentHashMap<>();

        Walk(Path root) {
            this.root = root;
        }

        /** Adds entries found outside the walk (a scoped scan's ancestors). */
        void add(List<Entry> found) {
            found.sort(SortedEntries.BY_PATH);
            EntryTable.Builder table = new EntryTable.Builder(found.size());
            found.forEach(table::add);
            listings.add(table.build());
        }

        /** Every entry found, by path: the listings merged ({@link EntryTable#merge}). */
        EntryTable sortedEntries() {
            return EntryTable.merge(listings);
        }

        void sequential(List<String> top) {
            Deque<String> dirs = new ArrayDeque<>(top);
            while (!dirs.isEmpty()) {
                dirs.addAll(listOrRecord(dirs.pop()));
            }
        }

        void parallel(List<String> top) {
            ForkJoinPool pool = new ForkJoinPool(parallelism, p -> {
                ForkJoinWorkerThread t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(p);
                // Daemon, named: a scan stuck on a dead NFS mount must not keep the JVM alive.
                t.setName("farsync-scan-" + t.getPoolIndex());
                t.setDaemon(true);
                return t;
            }, null, false);
            try {
                pool.invoke(new DirectoryTask(top));
            } finally {
                pool.shutdownNow();
                // A stopped or failed scan returns while sibling tasks may still list their
                // directory (each checks the stop before the next): wait for them, so nothing
                // reads the tree after the scan returned, but not forever (a dead mount).
                try {
                    pool.awaitTermination(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        /**
         * Lists {@code rel}, recording an error for it instead of throwing; returns its
         * subdirectories (those read before an error too, as a sequential walk would).
         */
        List<String> listOrRecord(String rel) {
            if (stop.getAsBoolean()) {
                throw new Stopped();
            }
            List<String> subdirs = new ArrayList<>();
            try {
                list(rel, subdirs);
            } catch (IOException e) {
                errors.put(rel, IoReasons.reason(e));
                incomplete.add(rel);
            }
            return subdirs;
        }

        /** Records the children of directory {@code rel} ("" for the root); adds its subdirectories to {@code subdirs}. */
        void list(String rel, List<String> subdirs) throws IOException {
            Path dir = rel.isEmpty() ? root : root.resolve(rel);
            List<Entry> found = new ArrayList<>();
            boolean mayExclude = excludedParents.contains(dir);
            Ancestors above = symlinks == Symlinks.FOLLOW ? chains.remove(rel) : null;
            if (symlinks == Symlinks.FOLLOW && above == null) {
                // every directory is queued with its chain; without one a loop below would go unseen
                throw new IOException("internal error: no ancestors recorded for " + dir);
            }
            // What was read before an error in the middle of a listing is kept, as a sequential walk would.
            try (DirectoryStream<Path> children = Files.newDirectoryStream(dir)) {
                for (Path child : children) {
                    Path namePath = child.getFileName();
                    String name = namePath.toString();
                    String childRel = rel.isEmpty() ? name : rel + "/" + name;
                    if (name.indexOf('\uFFFD') >= 0) {
                        // The JVM decodes names in the platform's encoding (UTF-8): one that does not decode cannot be
                        // named again (a lookup by the decoded name finds nothing) and would reach the peer mangled.
                        failName(childRel);
                        continue;
                    }
                    if (removeStaleTemps && TempNames.isPartialName(name) && keepPartial(child)) {
                        partials.put(childRel, child);
                        continue;
                    }
                    if (TempNames.isTempName(name)) {
                        if (removeStaleTemps && removeStaleTemp(child)) {
                            staleRemoved.incrementAndGet();
                        }
                        continue;
                    }
                    if ((mayExclude && excluded.contains(child)) || ReplicaDir.isReserved(name)) {
                        continue;
                    }
                    try {
                        Entry e = Stat.lstatChildOrNull(children, child, namePath, childRel);
                        if (e != null && e.isSymlink() && symlinks != Symlinks.COPY) {
                            e = symlinks == Symlinks.SKIP ? skipLink(childRel) : followLink(child, childRel, above);
                            if (e == null) {
                                continue;
                            }
                        }
                        if (e == null) {
                            log.debug("skipping special file {}", child);
                            continue;
                        }
                        if (filter.excludes(childRel, e.isDirectory())) {
                            continue;
                        }
                        if (xattrs && !e.isSymlink()) {
                            e = e.withXattrHash(Xattrs.fingerprint(child, symlinks == Symlinks.FOLLOW));
                        }
                        found.add(e);
                        if (e.isDirectory()) {
                            if (above != null) {
                                chains.put(childRel, new Ancestors(e.device(), e.inode(), above));
                            }
                            subdirs.add(childRel);
                        }
                    } catch (IOException e) {
                        if (!filter.excludes(childRel, false) && !filter.excludes(childRel, true)) {
                            errors.put(childRel, IoReasons.reason(e));
                            incomplete.add(childRel);
                        }
                    }
                }
            } finally {
                add(found);
            }
        }

        /**
         * {@link Symlinks#SKIP}: a link is no entry, and its path is one whose state is unknown, so
         * that nothing there is deleted (a link the destination has, a file it had there). Null.
         */
        Entry skipLink(String rel) {
            incomplete.add(rel);
            return null;
        }

        /**
         * {@link Symlinks#FOLLOW}: the entry the link at {@code child} leads to, or null (a special
         * file; or an error recorded for the path: no referent, a chain that loops, a directory
         * that holds the link). Such a path's state is unknown: nothing there is deleted.
         */
        Entry followLink(Path child, String rel, Ancestors above) throws IOException {
            Entry e;
            try {
                e = Stat.followOrNull(child, rel);
            } catch (java.nio.file.NoSuchFileException gone) {
                return failLink(rel, "symlink has no referent (--symlinks follow)");
            } catch (java.nio.file.FileSystemException loop) {
                return failLink(rel, "symlink cannot be followed: " + IoReasons.reason(loop));
            }
            if (e == null) {
                // a special file: skipped as one found in place is, but nothing synced there before is deleted
                incomplete.add(rel);
                log.debug("skipping symlink to a special file {}", child);
                return null;
            }
            if (e.isDirectory() && above.contains(e.device(), e.inode())) {
                return failLink(rel, "symlink leads to a directory that holds it (a loop; --symlinks follow)");
            }
            return e;
        }

        /** A name that is not valid in the platform's encoding: an error for its path, nothing there deleted. */
        private void failName(String rel) {
            failLink(rel, "file name is not valid " + NAME_ENCODING + ": not synced");
        }

        private Entry failLink(String rel, String reason) {
            if (!filter.excludes(rel, false) && !filter.excludes(rel, true)) {
                errors.put(rel, reason);
                incomplete.add(rel);
            }
            return null;
        }

        /**
         * Lists a directory and forks a task for each subdirectory found; completes when all below
         * are done. One task per directory, not one per list of them: a root holding 1,000
         * directories of 1,000 files was otherwise walked by a single thread.
         */
        private final class DirectoryTask extends CountedCompleter<Void> {
            /** The directory to list; null for the first task, whose subdirectories are the scan's top directories. */
            private final String dir;
            private final List<String> top;

            DirectoryTask(List<String> top) {
                super(null);
                this.dir = null;
                this.top = top;
            }

            DirectoryTask(CountedCompleter<?> parent, String dir) {
                super(parent);
                this.dir = dir;
                this.top = null;
            }

            @Override
            public void compute() {
                for (String subdir : dir == null ? top : listOrRecord(dir)) {
                    addToPendingCount(1);
                    new DirectoryTask(this, subdir).fork();
                }
                tryComplete();
            }
        }
    }

    /**
     * Lists {@code subtree}'s ancestors and itself, top down, by lstat; true if the subtree is a
     * directory to walk. Stops at the first that is missing, no directory, skipped or unreadable.
     * {@code above}: the root's {@link Ancestors} with {@link Symlinks#FOLLOW}, else null.
     */
    private boolean visitPath(Path root, String subtree, Map<String, Entry> entries, Walk walk, Ancestors above) {
        Map<String, String> errors = walk.errors;
        Set<String> incomplete = walk.incomplete;
        int from = 0;
        while (true) {
            int slash = subtree.indexOf('/', from);
            String rel = slash < 0 ? subtree : subtree.substring(0, slash);
            Entry e = entries.get(rel);
            if (e == null) {
                Path p = root.resolve(rel);
                String name = p.getFileName().toString();
                if (TempNames.isTempName(name) || TempNames.isPartialName(name) || ReplicaDir.isReserved(name) || excluded.contains(p)) {
                    return false;
                }
                try {
                    e = Stat.lstatOrNull(p, rel);
                    if (e != null && e.isSymlink() && symlinks != Symlinks.COPY) {
                        e = symlinks == Symlinks.SKIP ? walk.skipLink(rel) : walk.followLink(p, rel, above);
                        if (e == null) {
                            return false;
                        }
                    }
                    if (e != null && xattrs && !e.isSymlink()) {
                        e = e.withXattrHash(Xattrs.fingerprint(p, symlinks == Symlinks.FOLLOW));
                    }
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
            if (above != null) {
                above = new Ancestors(e.device(), e.inode(), above);
            }
            if (slash < 0) {
                if (above != null) {
                    walk.chains.put(subtree, above);
                }
                return true;
            }
            from = slash + 1;
        }
    }

    /** A directory's identity and those of the directories above it, for {@link Symlinks#FOLLOW}'s loop check. */
    record Ancestors(long device, long inode, Ancestors parent) {
        /** The root and every directory above it up to {@code /}: a link to any of them loops. */
        static Ancestors ofRoot(Path root) throws IOException {
            Ancestors chain = null;
            for (Path p = root.toRealPath(); p != null; p = p.getParent()) {
                Entry e = Stat.followOrNull(p, "");
                if (e != null) {
                    chain = new Ancestors(e.device(), e.inode(), chain);
                }
            }
            return chain;
        }

        boolean contains(long dev, long ino) {
            for (Ancestors a = this; a != null; a = a.parent) {
                if (a.device == dev && a.inode == ino) {
                    return true;
                }
            }
            return false;
        }
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
