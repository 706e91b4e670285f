package io.farsync.cli;

import io.farsync.common.ExitCode;
import io.farsync.common.FarsyncException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code farsync} command. */
@Command(name = "farsync", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        scope = CommandLine.ScopeType.INHERIT,
        description = "Fast, encrypted file synchronization over wide-area networks.")
public final class Main implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(Main.class);

    /**
     * The commands, in the order help lists them. Registered in {@link #run} rather than in the
     * annotation: a run builds the model of its own command only (picocli reads every registered
     * command's annotations; its classes are not in the class-data archive, being Java 5 class
     * files), 25 ms less before a sync's first packet (docs/PERFORMANCE.md, session 13).
     */
    private static final Map<String, Function<Context, Object>> COMMANDS = commands();

    private static Map<String, Function<Context, Object>> commands() {
        Map<String, Function<Context, Object>> m = new java.util.LinkedHashMap<>();
        m.put("sync", SyncCommand::new);
        m.put("nway", NwayCommand::new);
        m.put("server", ServerCommand::new);
        m.put("keygen", KeygenCommand::new);
        m.put("console", ConsoleCommand::new);
        m.put("admin", AdminCommand::new);
        m.put("agent", AgentCommand::new);
        return java.util.Collections.unmodifiableMap(m);
    }

    final Context context;

    /**
     * What a command needs from its surroundings, so tests (and the agent) can run commands in-process.
     *
     * @param env      the environment the command was started with
     * @param cwd      the directory relative paths on the command line are relative to; null: this JVM's
     * @param agentRun the agent's handle on a run it does for a client ({@link Agent}); null when not in one
     */
    record Context(FarsyncHome home, PrintStream out, PrintStream err, boolean terminal, Map<String, String> env, Path cwd,
            AgentRun agentRun) {
        Context(FarsyncHome home, PrintStream out, PrintStream err, boolean terminal) {
            this(home, out, err, terminal, Map.of(), null, null);
        }

        /** A path as the user typed it, relative to the directory the command was started in. */
        Path path(String typed) {
            return cwd == null ? Path.of(typed) : cwd.resolve(typed);
        }
    }

    Main(Context context) {
        this.context = context;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(new CommandLine(this), "missing command: sync, server or keygen");
    }

    public static void main(String[] args) {
        JitPolicy.apply(System.getenv());
        int code = run(args, System.out, System.err, System.getenv(), System.console() != null);
        System.exit(code);
    }

    /** Runs one command line and returns the process exit status; never calls System.exit. */
    public static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> env, boolean terminal) {
        return run(args, new Context(FarsyncHome.from(env), out, err, terminal, env, null, null));
    }

    /** Runs one command line in {@code context}; never calls System.exit. */
    static int run(String[] commandLine, Context context) {
        String[] args = context.cwd() == null ? commandLine : atFilesIn(commandLine, context.cwd());
        PrintStream out = context.out();
        PrintStream err = context.err();
        CommandLine cli = new CommandLine(new Main(context));
        // the named command alone; all of them (and help) for anything else: help, errors, completion
        boolean named = args.length > 0 && COMMANDS.containsKey(args[0]);
        COMMANDS.forEach((name, command) -> {
            if (!named || name.equals(args[0])) {
                cli.addSubcommand(name, command.apply(context));
            }
        });
        if (!named) {
            cli.addSubcommand("help", new CommandLine.HelpCommand());
        }
        if (context.cwd() != null) {
            // every Path option (-i, --stats-json, --exclude-from) as the user meant it
            cli.registerConverter(Path.class, context::path);
        }
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        // with --json (sync, admin) an error is a JSON object on stdout too, so a program reading stdout sees it
        boolean json = java.util.Arrays.asList(args).contains("--json");
        cli.setParameterExceptionHandler((e, a) -> {
            if (json) {
                out.println(JsonEvents.line(JsonEvents.error(ExitCode.USAGE.code(), e.getMessage())));
            }
            err.println("farsync: " + e.getMessage());
            err.println("Try 'farsync " + (e.getCommandLine().getCommandName().equals("farsync") ? "" : e.getCommandLine().getCommandName() + " ") + "--help'.");
            return ExitCode.USAGE.code();
        });
        cli.setExecutionExceptionHandler((e, c, p) -> {
            if (e instanceof AgentRun.Declined d) {
                return context.agentRun().decline(d.getMessage());
            }
            if (json) {
                out.println(JsonEvents.line(JsonEvents.error(e instanceof FarsyncException f ? f.exitCode().code() : ExitCode.INTERNAL.code(),
                        e instanceof FarsyncException ? e.getMessage() : "internal error: " + e)));
            }
            if (e instanceof FarsyncException f) {
                err.println("farsync: " + f.getMessage());
                log.debug("command failed", f);
                return f.exitCode().code();
            }
            err.println("farsync: internal error: " + e + " (FARSYNC_LOG_LEVEL=DEBUG shows where)");
            log.debug("internal error", e);
            return ExitCode.INTERNAL.code();
        });
        return cli.execute(args);
    }

    /**
     * The command line with each relative {@code @FILE} (picocli's argument files) that exists in
     * {@code cwd} made absolute: picocli reads them from this JVM's directory, which for the agent
     * is not the command's. A name that is no file there stays as it was (picocli then takes the
     * argument literally, as it would have).
     */
    static String[] atFilesIn(String[] args, Path cwd) {
        String[] out = args.clone();
        for (int i = 0; i < out.length && !out[i].equals("--"); i++) {
            String a = out[i];
            if (a.length() > 1 && a.startsWith("@")) {
                try {
                    Path file = Path.of(a.substring(1));
                    if (!file.isAbsolute() && java.nio.file.Files.isRegularFile(cwd.resolve(file))) {
                        out[i] = "@" + cwd.resolve(file);
                    }
                } catch (RuntimeException e) {
                    // not a path: picocli's to judge
                }
            }
        }
        return out;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"farsync " + (v == null ? "dev" : v)};
        }
    }
}
