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

    private Browser() {
    }

    static WebDriver start(Path profile) throws Exception {
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
        ChromeOptions options = new ChromeOptions().setBinary(binary).addArguments(
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--window-size=1400,1000", "--user-data-dir=" + Files.createDirectories(profile));
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File(DRIVER))
                .usingAnyFreePort().withTimeout(Duration.ofSeconds(60)).build();
        try {
            WebDriver driver = new ChromeDriver(service, options);
            driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(20));
            return driver;
        } catch (RuntimeException e) {
            service.stop();
            Assumptions.abort("skipped: Chromium did not start: " + e.getMessage().lines().findFirst().orElse(e.toString()));
            throw e;
        }
    }
}
