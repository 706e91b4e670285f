package io.farsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The compiler directives of {@link JitPolicy}, checked in a JVM of their own (directives are
 * JVM-wide: adding them here would change the compiler of every later test in this JVM).
 */
class JitPolicyTest {

    /** Applies the policy, then prints the JVM's answer and its directive stack on stderr. */
    public static final class Probe {
        public static void main(String[] args) throws Exception {
            String outcome = JitPolicy.apply(System.getenv());
            System.err.println("outcome: " + outcome);
            if (!outcome.startsWith("not applied")) {
                System.err.println(JitPolicy.diagnosticCommand("Compiler.directives_print"));
            }
        }
    }

    private record Run(int exit, String out, String err) {
    }

    private static Run probe(boolean opens, Map<String, String> env) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java"));
        if (opens) {
            // as bin/farsync passes them
            cmd.addAll(List.of("--add-opens", "java.management/sun.management=ALL-UNNAMED",
                    "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED"));
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Probe.class.getName()));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove("FARSYNC_JIT");
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("probe JVM ended").isTrue();
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    @Test
    void withTheLaunchersOpens_c2IsKeptToTheAesGcmProvider_andNothingReachesStdout() throws Exception {
        Run run = probe(true, Map.of());

        assertThat(run.exit()).as(run.err()).isZero();
        // -XX:CompilerDirectivesFile would print "2 compiler directives added" here, where --version and --json write
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).contains("outcome: 2 compiler directives added");
        String stack = run.err().substring(run.err().indexOf("Directive:"));
        // the crypto providers' directive first (first match wins), C2 left on for them; then every other method, C2 excluded
        int crypto = stack.indexOf("matching: ");
        int rest = stack.indexOf("matching: *.*");
        assertThat(crypto).as(stack).isNotNegative().isLessThan(rest);
        String first = stack.substring(crypto, rest);
        assertThat(first.lines().findFirst().orElseThrow()).contains("com/sun/crypto/provider/*.*", "sun/security/provider/*.*");
        assertThat(c2Line(first)).contains("Exclude:false");
        assertThat(c2Line(stack.substring(rest))).contains("Exclude:true");
    }

    @Test
    void farsyncJitNamingAFile_addsThatFilesDirectivesInstead() throws Exception {
        java.nio.file.Path file = java.nio.file.Files.createTempFile("jit policy test", ".json");
        try {
            java.nio.file.Files.writeString(file, "[ { match: [\"io/farsync/*.*\"], c2: { Exclude: true } } ]");
            Run run = probe(true, Map.of("FARSYNC_JIT", file.toString()));

            assertThat(run.exit()).as(run.err()).isZero();
            assertThat(run.out()).isEmpty();
            assertThat(run.err()).contains("outcome: 1 compiler directives added").contains("matching: io/farsync/*.*");
        } finally {
            java.nio.file.Files.delete(file);
        }
    }

    @Test
    void withoutTheOpens_theJvmKeepsItsPolicy_andSaysWhy() throws Exception {
        Run run = probe(false, Map.of());

        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).contains("outcome: not applied: java.lang.reflect.InaccessibleObjectException");
    }

    @Test
    void farsyncJitDefault_leavesTheJvmsPolicy() throws Exception {
        Run run = probe(true, Map.of("FARSYNC_JIT", "default"));

        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.err()).contains("outcome: not applied: FARSYNC_JIT=default");
    }

    /** The "c2 directives:" block's settings line of one directive. */
    private static String c2Line(String directive) {
        String c2 = directive.substring(directive.indexOf("c2 directives:"));
        return c2.lines().filter(l -> l.contains("Exclude:")).findFirst().orElseThrow();
    }
}
