package io.farsync.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.openqa.selenium.By;
import org.openqa.selenium.NoSuchElementException;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/** The console in a real headless Chromium, in front of a real node running real syncs. */
class ConsoleBrowserTest {
    private static final long SEED = Long.getLong("seed", System.nanoTime());

    @TempDir
    static Path tmp;
    static TestNode node;
    /** The other end of console jobs: it lets node's job identity in. */
    static TestNode peer;
    static Console console;
    static WebDriver browser;
    static String base;

    @BeforeAll
    static void start() throws Exception {
        System.out.println("seed " + SEED);
        browser = Browser.start();
        node = TestNode.startRunningJobs(tmp, "edge");
        peer = TestNode.start(tmp, "peer");
        peer.authorize(node);
        console = Console.start(new Console.Settings(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                tmp.resolve("console.db"), Clock.systemUTC()), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        base = "http://127.0.0.1:" + console.port();
        Console.addUser(tmp.resolve("console.db"), "ada", Role.ADMIN, "admin-password");
        Console.addUser(tmp.resolve("console.db"), "vera", Role.VIEWER, "viewer-password");
        Console.addUser(tmp.resolve("console.db"), "otto", Role.OPERATOR, "operator-password");
        ConsoleClient admin = new ConsoleClient(console.port());
        admin.login("ada", "admin-password");
        assertThat(admin.post("/api/nodes", Map.of("name", "edge", "url", node.apiUrl(), "token", TestNode.TOKEN)).statusCode())
                .isEqualTo(201);
        assertThat(admin.post("/api/nodes", Map.of("name", "peer", "url", peer.apiUrl(), "token", TestNode.TOKEN)).statusCode())
                .isEqualTo(201);
        assertThat(admin.post("/api/jobs", Map.of("name", "predefined", "source_node", 1, "source_path", "/pre", "dest_node", 2,
                "dest_path", "/pre")).statusCode()).isEqualTo(201);
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            Browser.quit(browser);
        }
        if (console != null) {
            console.close();
        }
        if (node != null) {
            node.close();
        }
        if (peer != null) {
            peer.close();
        }
    }

    /**
     * Waits on the page, which redraws its tables every second and fills views in as data arrives:
     * an element not there yet or replaced under the lookup means "look again", not a failure.
     */
    private static ConditionFactory await() {
        return Awaitility.await().ignoreException(StaleElementReferenceException.class).ignoreException(NoSuchElementException.class);
    }

    @BeforeEach
    void loggedOut() {
        browser.get(base + "/index.html");
        browser.manage().deleteAllCookies();
    }

    @Test
    void admin_logsIn_watchesALiveSync_andStopsIt() throws Exception {
        TestNode.writeFile(node.root.resolve("live/big.bin"), new Random(SEED), 24 * 1024 * 1024);
        logIn("ada", "admin-password");
        browser.get(base + "/index.html#/running");
        await().atMost(Duration.ofSeconds(30)).until(() -> browser.findElement(By.id("view-running")).isDisplayed());

        // 24 MiB at 4 Mbit/s: about 50 s, so that it is still running when a slow machine's browser gets to Stop
        CompletableFuture<TestNode.Result> sync = node.syncInBackground(node.remote("/live"), tmp.resolve("live-copy").toString(),
                "--rate", "4M");
        // the table is redrawn every second: a row found here can go stale before its text is read
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).ignoreExceptions().until(() -> {
            List<WebElement> rows = browser.findElements(By.cssSelector("#running-table tbody tr"));
            return rows.size() == 1 && rows.get(0).getText().contains("/live") && !rows.get(0).findElement(By.className("rate"))
                    .getText().startsWith("0.0 ");
        });
        // the table is redrawn every second: look rows up afresh, and retry when one goes stale under us
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() ->
                assertThat(browser.findElement(By.cssSelector("#running-table tbody tr")).getText()).contains("edge", "tester", "send"));
        await().atMost(Duration.ofSeconds(30)).until(() ->
                Integer.parseInt(browser.findElement(By.id("throughput")).getDomAttribute("data-points")) >= 2);

        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() ->
                browser.findElement(By.cssSelector("#running-table tbody tr .stop-session")).click());
        TestNode.Result result = sync.get(60, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(result.exitCode()).as(result.toString()).isNotZero();
        await().atMost(Duration.ofSeconds(30)).until(() -> browser.findElements(By.cssSelector("#running-table tbody tr")).isEmpty());

        browser.get(base + "/index.html#/audit");
        await().atMost(Duration.ofSeconds(30)).until(() -> browser.findElement(By.id("audit-table")).getText().contains("stop session"));
    }

    @Test
    void operator_definesAndStartsAJobBetweenNodes_watchesItLive_andFindsBothEndsInHistory() throws Exception {
        TestNode.writeFile(node.root.resolve("edge-outbox/report.bin"), new Random(SEED + 5), 8 * 1024 * 1024);
        logIn("otto", "operator-password");
        browser.get(base + "/index.html#/jobs");
        WebElement name = await().atMost(Duration.ofSeconds(30)).until(() -> browser.findElement(By.id("job-name")), WebElement::isDisplayed);
        name.sendKeys("outbox to peer");
        await().atMost(Duration.ofSeconds(30)).until(() -> browser.findElements(By.cssSelector("#job-dest-node option")).size() == 2);
        new Select(browser.findElement(By.id("job-source-node"))).selectByVisibleText("edge");
        browser.findElement(By.id("job-source-path")).sendKeys("/edge-outbox");
        new Select(browser.findElement(By.id("job-dest-node"))).selectByVisibleText("peer");
        browser.findElement(By.id("job-dest-path")).sendKeys("/peer-edge-outbox");
        WebElement rate = browser.findElement(By.id("job-rate"));
        rate.clear();
        // 8 MiB at 4 Mbit/s: about 17 s, long enough to watch even where the browser is slow (3 MiB once ended too soon)
        rate.sendKeys("4");
        browser.findElement(By.id("job-submit")).click();
        By row = By.cssSelector("#jobs-table tr[data-job='outbox to peer']");
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() ->
                assertThat(browser.findElement(row).getText()).contains("edge:/edge-outbox", "peer:/peer-edge-outbox", "4 Mbit/s", "never"));
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() ->
                browser.findElement(row).findElement(By.className("start-job")).click());

        browser.get(base + "/index.html#/running");
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).ignoreExceptions().until(() -> {
            String text = browser.findElement(By.id("running-table")).getText();
            return text.contains("/edge-outbox") && text.contains("/peer-edge-outbox") && text.contains("otto");
        });
        await().atMost(Duration.ofSeconds(30)).until(() ->
                Integer.parseInt(browser.findElement(By.id("throughput")).getDomAttribute("data-points")) >= 2);

        browser.get(base + "/index.html#/jobs");
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() ->
                assertThat(browser.findElement(row).findElement(By.className("job-state")).getText()).isEqualTo("done (ok) on edge"));
        assertThat(Files.readAllBytes(peer.root.resolve("peer-edge-outbox/report.bin")))
                .isEqualTo(Files.readAllBytes(node.root.resolve("edge-outbox/report.bin")));

        node.history.flush();
        peer.history.flush();
        browser.get(base + "/index.html#/history");
        WebElement q = await().atMost(Duration.ofSeconds(30)).until(() -> browser.findElement(By.id("history-q")), WebElement::isDisplayed);
        q.sendKeys("edge-outbox");
        browser.findElement(By.id("history-search")).click();
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
            List<WebElement> rows = browser.findElements(By.cssSelector("#history-table tbody tr"));
            assertThat(rows).hasSize(2);
            assertThat(rows.stream().map(WebElement::getText).toList()).anySatisfy(t -> assertThat(t).contains("edge", "otto", "send", "/edge-outbox", "ok"))
                    .anySatisfy(t -> assertThat(t).contains("peer", "otto", "receive", "/peer-edge-outbox", "ok"));
        });
    }

    @Test
    void history_isSearchable_exportsCsv_andOpensSessionDetail() throws Exception {
        Path src = tmp.resolve("hist-src");
        TestNode.writeFile(src.resolve("invoices/inv-7731.pdf"), new Random(SEED + 1), 4096);
        TestNode.writeFile(src.resolve("invoices/inv-7732.pdf"), new Random(SEED + 2), 4096);
        assertThat(node.sync(src.toString(), node.remote("/accounting")).exitCode()).isZero();
        assertThat(node.sync(src.toString(), node.remote("/other")).exitCode()).isZero();
        node.history.flush();

        logIn("ada", "admin-password");
        browser.get(base + "/index.html#/history");
        WebElement q = await().atMost(Duration.ofSeconds(30)).until(() -> browser.findElement(By.id("history-q")), WebElement::isDisplayed);
        q.sendKeys("accounting");
        browser.findElement(By.id("history-search")).click();
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            List<WebElement> rows = browser.findElements(By.cssSelector("#history-table tbody tr"));
            return rows.size() == 1 && rows.get(0).getText().contains("/accounting");
        });

        String href = browser.findElement(By.id("csv-link")).getDomProperty("href");
        assertThat(href).contains("/api/history.csv?q=accounting");
        Object csv = ((JavascriptExecutor) browser).executeAsyncScript(
                "const done = arguments[arguments.length - 1]; fetch(arguments[0]).then(r => r.text()).then(done);", href);
        assertThat(String.valueOf(csv).split("\r?\n")).as(String.valueOf(csv)).hasSize(2)
                .satisfies(lines -> assertThat(lines[1]).contains("edge,", "/accounting,ok,2,8192"));

        browser.findElement(By.cssSelector("#history-table tbody tr")).click();
        await().atMost(Duration.ofSeconds(30)).until(() -> browser.findElement(By.id("files-table")).getText().contains("invoices/inv-7732.pdf"));
        assertThat(browser.findElement(By.id("fact-status")).getText()).isEqualTo("ok");
    }

    @Test
    void viewer_seesNoRegisterOrStopControls_andForgedPostsAreRefused() {
        logIn("vera", "viewer-password");
        browser.get(base + "/index.html#/nodes");
        await().atMost(Duration.ofSeconds(30)).until(() -> browser.findElement(By.id("nodes-table")).getText().contains("edge"));
        assertThat(browser.findElements(By.id("node-form"))).as("register form").isEmpty();
        assertThat(browser.findElements(By.className("remove-node"))).isEmpty();
        assertThat(browser.findElements(By.id("nav-audit"))).isEmpty();
        browser.get(base + "/index.html#/jobs");
        await().atMost(Duration.ofSeconds(30)).until(() -> browser.findElement(By.id("jobs-table")).getText().contains("predefined"));
        assertThat(browser.findElements(By.id("job-form"))).as("job form").isEmpty();
        assertThat(browser.findElements(By.id("schedule-form"))).as("schedule form").isEmpty();
        assertThat(browser.findElements(By.className("start-job"))).isEmpty();

        // the page hides nothing the server would allow: forge the requests with the viewer's own CSRF token
        String forge = "const done = arguments[arguments.length - 1];"
                + "fetch('/api/me').then(r => r.json()).then(me => Promise.all(["
                + "  fetch('/api/nodes', {method: 'POST', headers: {'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf},"
                + "    body: JSON.stringify({name: 'rogue', url: 'http://127.0.0.1:1', token: 'x'})}),"
                + "  fetch('/api/nodes/1/sessions/1/stop', {method: 'POST', headers: {'X-CSRF-Token': me.csrf}}),"
                + "  fetch('/api/nodes/1', {method: 'DELETE', headers: {'X-CSRF-Token': me.csrf}}),"
                + "  fetch('/api/jobs/1/start', {method: 'POST', headers: {'X-CSRF-Token': me.csrf}}),"
                + "  fetch('/api/jobs/1/schedule', {method: 'PUT', headers: {'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf},"
                + "    body: JSON.stringify({schedule: 'every 1h'})}),"
                + "  fetch('/api/jobs', {method: 'POST', headers: {'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf},"
                + "    body: JSON.stringify({name: 'rogue', source_node: 1, source_path: '/', dest_node: 2, dest_path: '/'})})"
                + "])).then(rs => done(rs.map(r => r.status).join(',')));";
        assertThat(((JavascriptExecutor) browser).executeAsyncScript(forge)).isEqualTo("403,403,403,403,403,403");
    }

    private static void logIn(String name, String password) {
        browser.get(base + "/index.html");
        WebElement user = await().atMost(Duration.ofSeconds(30)).until(() -> browser.findElement(By.id("login-name")), WebElement::isDisplayed);
        user.sendKeys(name);
        browser.findElement(By.id("login-password")).sendKeys(password);
        browser.findElement(By.id("login-submit")).click();
        await().atMost(Duration.ofSeconds(30)).until(() -> browser.findElement(By.id("whoami")).getText().startsWith(name + " "));
    }
}
