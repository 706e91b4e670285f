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
 * AES-GCM provider ({@code com.sun.crypto.provider}, whose counter mode and GHASH are C2
 * intrinsics: without them a datagram is sealed ~20x slower); every other method stops at C1.
 *
 * <p>Why: a sync is a short process on few cores, and C2 compiling the rest (transport, codec,
 * endpoints, scanner, SQLite and NIO glue) took 3-4 CPU s per JVM, the largest single consumer of
 * a 10,000-file sync, competing with the work itself. Measured on a quiet 2-core machine
 * (docs/PERFORMANCE.md, "Session 10"): the 10,000 x 50 KB row at 100 ms / 1 % went from 53-63 % to
 * 68-74 % of the link with 2-3 CPU s less per JVM, the 2 GiB row did not change, a local 1 GiB
 * sync used ~1.8 CPU s less.
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
 * affects speed.
 */
final class JitPolicy {
    private static final Logger log = LoggerFactory.getLogger(JitPolicy.class);

    /** The directives, a class-path resource beside this class. */
    static final String DIRECTIVES = "jit-directives.json";

    private JitPolicy() {
    }

    /**
     * Adds the directives unless {@code FARSYNC_JIT=default}; returns what the JVM answered, or
     * why nothing was added. Never throws: a JVM without the diagnostic command keeps its policy.
     */
    static String apply(Map<String, String> env) {
        if ("default".equals(env.get("FARSYNC_JIT"))) {
            return "not applied: FARSYNC_JIT=default";
        }
        String outcome;
        try {
            Path file = Files.createTempFile("farsync-jit", ".json");
            try {
                try (InputStream in = JitPolicy.class.getResourceAsStream(DIRECTIVES)) {
                    if (in == null) {
                        return "not applied: " + DIRECTIVES + " missing from the class path";
                    }
                    Files.write(file, in.readAllBytes());
                }
                outcome = diagnosticCommand("Compiler.directives_add " + file).strip();
            } finally {
                Files.deleteIfExists(file);
            }
        } catch (IOException | ReflectiveOperationException | RuntimeException | LinkageError e) {
            outcome = "not applied: " + e;
        }
        log.debug("JIT: C2 for the JDK's AES-GCM only: {}", outcome);
        return outcome;
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
