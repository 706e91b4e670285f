package io.farsync.cli;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which code HotSpot's optimising compiler (C2) may compile in a farsync process: only the JDK's
 * AES-GCM provider ({@code com.sun.crypto.provider}: counter mode and GHASH are C2 intrinsics,
 * without which a datagram is sealed ~20x slower) and its message digests
 * ({@code sun.security.provider}: SHA-256 is one too, {@code --checksum sha256} took twice as
 * long without it); every other method stops at C1.
 *
 * <p>Why: a sync is a short process on few cores, and C2 compiling the rest (transport, codec,
 * endpoints, scanner, SQLite and NIO glue) took 3-4 CPU s per JVM, the largest single consumer of
 * a 10,000-file sync, competing with the work itself. Measured on a quiet 2-core machine
 * (docs/PERFORMANCE.md, "Session 10"): the 10,000 x 50 KB row at 100 ms / 1 % went from 67-68 %
 * to 71-75 % of the link with 2-3 CPU s less per JVM, a local 1 GiB sync from 8.4-9.7 to
 * 5.2-5.7 CPU s, +20,000 files on a 200,000-file tree from 12.3-13.5 to 9.1-9.9 CPU s; the 2 GiB
 * rows and the 1,000,000-file re-sync did not move beyond their noise.
 *
 * <p>How: the JVM takes compiler directives from a file named on the command line
 * ({@code -XX:CompilerDirectivesFile}), but then prints "2 compiler directives added" on standard
 * output at every start, which {@code --version}, {@code --json} and scripts would read. The same
 * directives added at run time through the JVM's own diagnostic command
 * ({@code Compiler.directives_add}, what {@code jcmd} sends) return that line to the caller instead;
 * the JDK's public route to it (the platform MBean server) costs 0.3-0.6 s of start-up, the
 * internal one used here ~5 ms, and needs {@code --add-opens} for {@code sun.management} and
 * {@code com.sun.management.internal} (bin/farsync passes them). Without them, or with
 * {@code FARSYNC_JIT=default}, the JVM's default policy stays and nothing else changes: this only
 * affects speed. {@code FARSYNC_JIT=FILE} adds another directives file instead (to measure).
 */
final class JitPolicy {
    private static final Logger log = LoggerFactory.getLogger(JitPolicy.class);

    /** The directives, a class-path resource beside this class. */
    static final String DIRECTIVES = "jit-directives.json";

    private JitPolicy() {
    }

    /**
     * Adds the directives: the built-in ones, none with {@code FARSYNC_JIT=default}, or those of
     * the file {@code FARSYNC_JIT} names (for measuring other choices). Returns what the JVM
     * answered, or why nothing was added. Never throws: a JVM without the diagnostic command keeps
     * its own policy.
     */
    static String apply(Map<String, String> env) {
        String choice = env.getOrDefault("FARSYNC_JIT", "");
        String outcome;
        if (choice.equals("default")) {
            outcome = "not applied: FARSYNC_JIT=default";
        } else if (!choice.isEmpty()) {
            outcome = add(choice);
        } else {
            outcome = addBuiltIn();
        }
        log.debug("JIT directives ({}): {}", choice.isEmpty() ? DIRECTIVES : choice, outcome);
        return outcome;
    }

    private static String addBuiltIn() {
        Path file;
        try {
            file = Files.createTempFile("farsync-jit", ".json");
        } catch (IOException | RuntimeException e) {
            return "not applied: " + e;
        }
        try {
            try (InputStream in = JitPolicy.class.getResourceAsStream(DIRECTIVES)) {
                if (in == null) {
                    return "not applied: " + DIRECTIVES + " missing from the class path";
                }
                Files.write(file, in.readAllBytes());
            }
            return add(file.toString());
        } catch (IOException | RuntimeException e) {
            return "not applied: " + e;
        } finally {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                log.debug("could not delete {}", file, e);
            }
        }
    }

    private static String add(String file) {
        try {
            // quoted: the command's arguments are split at spaces
            return diagnosticCommand("Compiler.directives_add \"" + Path.of(file).toAbsolutePath() + "\"").strip();
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return "not applied: " + e;
        }
    }

    /**
     * Runs one of the JVM's diagnostic commands in this process (as {@code jcmd PID CMD} would)
     * and returns its output. Needs the two {@code --add-opens} named in the class comment.
     */
    static String diagnosticCommand(String command) throws ReflectiveOperationException {
        // its static initialiser loads the native library behind the diagnostic commands
        Class.forName("com.sun.management.internal.PlatformMBeanProviderImpl");
        Method vmManagement = Class.forName("sun.management.ManagementFactoryHelper").getDeclaredMethod("getVMManagement");
        vmManagement.setAccessible(true);
        Class<?> impl = Class.forName("com.sun.management.internal.DiagnosticCommandImpl");
        Constructor<?> create = impl.getDeclaredConstructor(Class.forName("sun.management.VMManagement"));
        create.setAccessible(true);
        Method execute = impl.getDeclaredMethod("executeDiagnosticCommand", String.class);
        execute.setAccessible(true);
        return (String) execute.invoke(create.newInstance(vmManagement.invoke(null)), command);
    }
}
