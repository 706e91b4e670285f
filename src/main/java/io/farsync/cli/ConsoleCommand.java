package io.farsync.cli;

import io.farsync.common.ExitCode;
import io.farsync.common.FarsyncException;
import io.farsync.console.Console;
import io.farsync.console.Role;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "console", description = "Run the web console: nodes, running sessions, history, audit log.")
final class ConsoleCommand implements Callable<Integer> {
    private final Main.Context context;

    @Option(names = "--listen", paramLabel = "ADDR:PORT", defaultValue = "127.0.0.1:8080",
            description = "where to serve the console (default: ${DEFAULT-VALUE})")
    String listen;

    @Option(names = "--db", paramLabel = "FILE", description = "the console database: users, nodes, audit log (default: ~/.farsync/console.db)")
    Path db;

    @Option(names = "--add-user", paramLabel = "NAME", description = "create NAME (or reset its role and password) with the password read from stdin, then exit")
    String addUser;

    @Option(names = "--remove-user", paramLabel = "NAME", description = "remove NAME (a running console refuses their session at once), then exit")
    String removeUser;

    @Option(names = "--secure-cookies", description = "mark the session cookie Secure even on plain HTTP: for a console behind a TLS proxy"
            + " (requests that arrive over HTTPS get it anyway)")
    boolean secureCookies;

    @Option(names = "--role", paramLabel = "ROLE", defaultValue = "viewer", description = "role for --add-user: admin, operator or viewer (default: ${DEFAULT-VALUE})")
    String role;

    @picocli.CommandLine.Mixin
    LogFormat logFormat = new LogFormat();

    ConsoleCommand(Main.Context context) {
        this.context = context;
    }

    @Override
    public Integer call() throws Exception {
        logFormat.apply();
        Path database = db != null ? db : context.home().dir().resolve("console.db");
        if (addUser != null) {
            Role r;
            try {
                r = Role.parse(role);
            } catch (IllegalArgumentException e) {
                throw new FarsyncException(ExitCode.USAGE, e.getMessage());
            }
            Console.addUser(database, addUser, r, readPassword());
            context.out().println("user " + addUser + " is now " + r.label());
            return ExitCode.OK.code();
        }
        if (removeUser != null) {
            Console.removeUser(database, removeUser);
            context.out().println("user " + removeUser + " removed");
            return ExitCode.OK.code();
        }
        Console console = Console.start(new Console.Settings(ServerCommand.parseAddress(listen, 8080, "--listen"), database,
                Clock.systemUTC()).withSecureCookies(secureCookies), context.out());
        context.out().println("farsync console on http://" + listen.replaceFirst(":\\d+$", "") + ":" + console.port());
        context.out().flush();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            console.close();
            stopped.countDown();
        }, "farsync-console-shutdown"));
        stopped.await();
        return ExitCode.OK.code();
    }

    private static String readPassword() throws IOException {
        java.io.Console terminal = System.console();
        if (terminal != null) {
            char[] p = terminal.readPassword("password: ");
            return p == null ? "" : new String(p);
        }
        String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        if (line == null) {
            throw new FarsyncException(ExitCode.USAGE, "--add-user reads the password from stdin, and stdin is empty");
        }
        return line;
    }
}
