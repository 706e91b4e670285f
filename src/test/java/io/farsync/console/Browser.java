package io.farsync.console;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Headless Chromium from Debian's {@code chromium} and {@code chromium-driver} packages. Where
 * they are missing or Chromium cannot start, the calling test is skipped (a JUnit assumption)
 * with the reason, rather than failing: the browser is the environment, not the code under test.
 */
final class Browser {
    private static final String DRIVER = "/usr/bin/chromedriver";
    private static final String[] BINARIES = {"/usr/lib/chromium/chromium", "/usr/bin/chromium"};

    /**
     * The profile of the running browser. Not in the test's {@code @TempDir}: Chromium's helper
     * processes may still write into it for a moment after {@code quit()}, and JUnit's cleanup of
     * that directory would then fail the test class.
     */
    private static Path profile;

    private Browser() {
    }

    static WebDriver start() throws Exception {
        Assumptions.assumeTrue(new File(DRIVER).canExecute(),
                "skipped: " + DRIVER + " not found (apt-get install chromium chromium-driver)");
        String binary = null;
        for (String b : BINARIES) {
            if (new File(b).canExecute()) {
                binary = b;
                break;
            }
        }
        Assumptions.assumeTrue(binary != null, "skipped: no Chromium binary (apt-get install chromium)");
        // naming the driver keeps Selenium Manager from looking for one online
        System.setProperty("webdriver.chrome.driver", DRIVER);
        profile = Files.createTempDirectory("farsync-chromium-");
        ChromeOptions options = new ChromeOptions().setBinary(binary).addArguments(
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--window-size=1400,1000", "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File(DRIVER))
                .usingAnyFreePort().withTimeout(Duration.ofSeconds(60)).build();
        try {
            WebDriver driver = new ChromeDriver(service, options);
            driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(20));
            return driver;
        } catch (RuntimeException e) {
            service.stop();
            deleteProfile();
            Assumptions.abort("skipped: Chromium did not start: " + e.getMessage().lines().findFirst().orElse(e.toString()));
            throw e;
        }
    }

    /** Quits the browser, then removes its profile as far as it can (a straggling helper process may keep a file). */
    static void quit(WebDriver browser) {
        try {
            browser.quit();
        } finally {
            deleteProfile();
        }
    }

    private static void deleteProfile() {
        try (var walk = Files.walk(profile)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            System.out.println("chromium profile " + profile + " left behind: " + e);
        }
    }
}
