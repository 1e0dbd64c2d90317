package io.baetyl.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.baetyl.sdk.testing.FreePorts;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.ElementNotInteractableException;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The operator's view of the installed native example under the real master: {@code /metrics} followed under a
 * published load with the Prometheus client's parser, and the web console in Debian's headless Chromium driven by
 * Selenium (log in, a service, the live chart after a publish, a restart, refusals). The console test takes the
 * screenshots of docs/CONSOLE.md ({@code -Dbaetyl.screenshots=<repo>/docs/console} writes them there).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(180)
class OperatorViewIT {
    static final String CHROMIUM = "/usr/bin/chromium";
    static final String CHROMEDRIVER = "/usr/bin/chromedriver";

    private Path dir;
    private BaetylHome baetyl;
    private MqttClient client;
    private WebDriver browser;
    private Path shots;
    private int consolePort;
    private int metricsPort;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    void start() throws Exception {
        dir = Files.createTempDirectory("e2e-ops-");
        baetyl = BaetylHome.install("operator-view");
        // Chosen after the install (which takes a while), so that little time passes before the master binds them.
        consolePort = FreePorts.next();
        metricsPort = FreePorts.next();
        String admin = hash("admin-secret", "e2e-admin");
        String viewer = hash("viewer-secret", "e2e-viewer");
        Path conf = baetyl.path("etc/baetyl/conf.yml");
        Files.writeString(conf, Files.readString(conf) + """
                console:
                  enabled: true
                  address: tcp://127.0.0.1:%d
                  users:
                    - {username: admin, password: '%s', restart: ['*'], update: true}
                    - {username: viewer, password: '%s'}
                metrics:
                  enabled: true
                  address: tcp://127.0.0.1:%d
                """.formatted(consolePort, admin, viewer, metricsPort));
        // Reports every second, so that the chart and the metrics follow the load quickly.
        Path hubConf = baetyl.path("var/db/baetyl/localhub-conf/service.yml");
        Files.writeString(hubConf, Files.readString(hubConf) + "metrics:\n  report:\n    interval: 1s\n");
        baetyl.start();
        client = new MqttClient(baetyl.mqttAddress(), "e2e-operator", new MemoryPersistence());
        MqttConnectOptions o = new MqttConnectOptions();
        o.setUserName("test");
        o.setPassword("hahaha".toCharArray());
        client.connect(o);
        client.subscribe("console/#", 0);
        shots = Path.of(System.getProperty("baetyl.screenshots", "target/e2e-logs/console"));
        Files.createDirectories(shots);
    }

    /** The hash conf.yml takes, computed with the JDK (as the master's PBKDF2 check does). */
    static String hash(String password, String salt) throws Exception {
        byte[] key = javax.crypto.SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(
                new javax.crypto.spec.PBEKeySpec(password.toCharArray(), salt.getBytes(StandardCharsets.UTF_8), 10000,
                        256)).getEncoded();
        return "pbkdf2_sha256$10000$" + salt + "$" + java.util.Base64.getEncoder().encodeToString(key);
    }

    @AfterAll
    void stop() throws Exception {
        if (browser != null) {
            browser.quit();
        }
        if (client != null && client.isConnected()) {
            client.disconnect();
        }
        if (baetyl != null) {
            baetyl.close();
        }
        BaetylHome.deleteTree(dir);
    }

    // ---- /metrics ----

    @Test
    @Order(1)
    void metricsCountersMoveUnderAPublishedLoad() throws Exception {
        Map<String, String> hub = Map.of("service", "localhub", "instance", "localhub", "qos", "0");
        await().atMost(Duration.ofSeconds(30)).until(() -> !Double.isNaN(
                Metrics.sample(scrape(), "baetyl_hub_messages_received", "baetyl_hub_messages_received_total", hub)));
        Map<String, Map<String, Object>> before = scrape();
        double received = Metrics.sample(before, "baetyl_hub_messages_received", "baetyl_hub_messages_received_total", hub);
        double bytes = Metrics.sample(before, "baetyl_hub_received_bytes", "baetyl_hub_received_bytes_total",
                Map.of("service", "localhub"));
        for (int i = 0; i < 500; i++) {
            client.publish("console/load", ("load " + i).getBytes(StandardCharsets.UTF_8), 0, false);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> Metrics.sample(scrape(), "baetyl_hub_messages_received",
                "baetyl_hub_messages_received_total", hub) >= received + 500);
        Map<String, Map<String, Object>> after = scrape();
        assertThat(Metrics.sample(after, "baetyl_hub_received_bytes", "baetyl_hub_received_bytes_total",
                Map.of("service", "localhub"))).isGreaterThan(bytes + 500 * "load 0".length());
        assertThat(Metrics.sample(after, "baetyl_hub_connections", "baetyl_hub_connections",
                Map.of("service", "localhub"))).isGreaterThanOrEqualTo(2); // this client and the timer at least
        assertThat(Metrics.sample(after, "baetyl_hub_messages_sent", "baetyl_hub_messages_sent_total",
                Map.of("service", "localhub", "qos", "0"))).isGreaterThanOrEqualTo(500); // our own subscription
        assertThat(after.get("baetyl_hub_messages_received")).containsEntry("type", "counter");

        // The function manager's counters, after calls of the example's functions.
        for (int i = 0; i < 3; i++) {
            client.publish("t", "{\"id\":1}".getBytes(StandardCharsets.UTF_8), 1, false);
        }
        Map<String, String> sql = Map.of("service", "function-manager", "function", "sql-filter");
        await().atMost(Duration.ofSeconds(60)).until(() -> Metrics.sample(scrape(), "baetyl_function_calls",
                "baetyl_function_calls_total", sql) >= 3);
        assertThat(Metrics.sample(scrape(), "baetyl_function_call_duration_seconds",
                "baetyl_function_call_duration_seconds_count", sql)).isGreaterThanOrEqualTo(3);
    }

    private Map<String, Map<String, Object>> scrape() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort
                + "/metrics")).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return Metrics.parse(r.body());
    }

    // ---- the console in a browser ----

    private WebDriver browser(Path profile) throws Exception {
        if (!Files.isExecutable(Path.of(CHROMIUM)) || !Files.isExecutable(Path.of(CHROMEDRIVER))) {
            throw new IllegalStateException("Debian's chromium and chromium-driver are needed: run "
                    + "scripts/install-deps.sh --test");
        }
        ChromeOptions o = new ChromeOptions();
        o.setBinary(CHROMIUM);
        o.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + profile, "--window-size=1280,1000");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER)).usingAnyFreePort().build();
        return new ChromeDriver(service, o);
    }

    private WebDriverWait waiting() {
        return new WebDriverWait(browser, Duration.ofSeconds(30));
    }

    /** The whole page (up to 2000 px high), through Chromium's DevTools; the window on a phone. */
    private void shot(String name) throws Exception {
        Number width = (Number) ((JavascriptExecutor) browser).executeScript("return window.innerWidth;");
        Number height = (Number) ((JavascriptExecutor) browser).executeScript(
                "return Math.min(2000, document.documentElement.scrollHeight);");
        Map<String, Object> shot = ((ChromeDriver) browser).executeCdpCommand("Page.captureScreenshot", Map.of(
                "captureBeyondViewport", true, "clip", Map.of("x", 0, "y", 0, "width", width, "height", height,
                        "scale", 1)));
        Files.write(shots.resolve(name + ".png"), java.util.Base64.getDecoder().decode((String) shot.get("data")));
    }

    private void login(String user, String password) {
        WebElement u = waiting().until(ExpectedConditions.visibilityOfElementLocated(By.id("login-username")));
        u.clear();
        u.sendKeys(user);
        browser.findElement(By.id("login-password")).clear();
        browser.findElement(By.id("login-password")).sendKeys(password);
        browser.findElement(By.id("login-submit")).click();
    }

    /** Clicks the element once it is there and shown, looking it up again if the page redrew it meanwhile. */
    private void click(By by) {
        waiting().ignoring(StaleElementReferenceException.class).ignoring(ElementNotInteractableException.class)
                .until(d -> {
            d.findElement(by).click();
            return true;
        });
    }

    private String flashText() {
        return waiting().until(ExpectedConditions.visibilityOfElementLocated(By.id("flash"))).getText();
    }

    @Test
    @Order(2)
    void theConsoleInABrowser() throws Exception {
        browser = browser(Files.createDirectories(dir.resolve("chromium-profile")));
        String base = "http://127.0.0.1:" + consolePort + "/";
        browser.get(base);

        // A wrong login is refused (401) and said so.
        login("admin", "not-the-password");
        WebElement error = waiting().until(ExpectedConditions.visibilityOfElementLocated(By.id("login-error")));
        assertThat(error.getText()).isEqualTo("Wrong username or password.");
        shot("login");

        // Logged in: the overview lists the services and their instances with their state.
        login("admin", "admin-secret");
        // (the overview redraws its tables every few seconds, so elements are looked up afresh)
        waiting().ignoring(StaleElementReferenceException.class).until(d -> d.findElement(
                By.cssSelector("#services-table tr[data-instance='localhub'] .state")).getText().equals("running"));

        // The live chart follows a burst of publishes: a rate far above the timer's one message a second.
        WebElement chart = browser.findElement(By.id("rate-chart"));
        waiting().until(d -> Integer.parseInt(chart.getAttribute("data-points")) >= 1);
        long publishedAt = System.currentTimeMillis();
        for (int i = 0; i < 500; i++) {
            client.publish("console/chart", ("chart " + i).getBytes(StandardCharsets.UTF_8), 0, false);
        }
        // A point of a report made after the burst, far above the timer's one message a second.
        waiting().until(d -> recentRates(chart).stream().anyMatch(p -> p[0] > publishedAt && p[1] >= 50));
        assertThat(browser.findElements(By.cssSelector("#rate-chart polyline[data-series='received']"))).hasSize(1);
        shot("overview");

        // A service: its instances, config volume files and the last lines of its log.
        click(By.cssSelector("#services-table tr[data-instance='localhub'] a"));
        waiting().until(ExpectedConditions.textToBe(By.cssSelector("#page h1"), "Service localhub"));
        WebElement log = waiting().until(ExpectedConditions.presenceOfElementLocated(By.id("service-log")));
        assertThat(log.getTagName()).as(log.getText()).isEqualTo("pre");
        assertThat(browser.findElement(By.id("page")).getText()).contains("service.yml");
        shot("service");

        // Restart an instance: confirmed first, then done by the master.
        long timerPid = baetyl.instances("timer").get("timer");
        browser.get(base + "#/service/timer");
        WebElement restart = waiting().until(ExpectedConditions.elementToBeClickable(
                By.cssSelector("button.restart[data-instance='timer']")));
        restart.click();
        waiting().until(ExpectedConditions.visibilityOfElementLocated(By.id("confirm")));
        shot("confirm");
        browser.findElement(By.id("confirm-ok")).click();
        assertThat(flashText()).isEqualTo("Instance timer restarted.");
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            Long pid = baetyl.instances("timer").get("timer");
            return pid != null && pid > 0 && pid != timerPid;
        });

        // The hub's page and the function pools (the functions ran in the metrics test).
        browser.findElement(By.id("nav-hub")).click();
        waiting().until(ExpectedConditions.textToBePresentInElementLocated(By.id("page"), "localhub / localhub"));
        waiting().ignoring(StaleElementReferenceException.class).until(d -> {
            String row = d.findElement(By.cssSelector("#clients-table tr[data-client='e2e-operator']")).getText();
            return row.contains("test") && row.contains("console/#");
        });
        shot("hub");
        browser.findElement(By.id("nav-functions")).click();
        waiting().until(ExpectedConditions.presenceOfElementLocated(
                By.cssSelector("#functions-table tr[data-function='sql-filter']")));
        shot("functions");

        // Applying an application.yml goes the OTA way: here the running one again, so nothing needs to restart.
        Path app = baetyl.path("var/db/baetyl/application.yml");
        String before = Files.readString(app);
        browser.findElement(By.id("nav-ota")).click();
        WebElement yaml = waiting().until(ExpectedConditions.visibilityOfElementLocated(By.id("app-yaml")));
        ((JavascriptExecutor) browser).executeScript("arguments[0].value = arguments[1];", yaml, before);
        browser.findElement(By.id("app-apply")).click();
        waiting().until(ExpectedConditions.visibilityOfElementLocated(By.id("confirm")));
        browser.findElement(By.id("confirm-ok")).click();
        waiting().until(ExpectedConditions.textToBePresentInElementLocated(By.id("app-result"), "Queued as update console-"));
        waiting().ignoring(StaleElementReferenceException.class).until(d ->
                !d.findElements(By.cssSelector("#ota-table tr[data-step='UPDATED']")).isEmpty());

        // An application.yml that does not parse: the error is shown and nothing is applied.
        yaml.clear();
        yaml.sendKeys("services:\n  - name: broken\n    image: [\n");
        browser.findElement(By.id("app-apply")).click();
        waiting().until(ExpectedConditions.visibilityOfElementLocated(By.id("confirm")));
        browser.findElement(By.id("confirm-ok")).click();
        waiting().until(ExpectedConditions.textToBePresentInElementLocated(By.id("app-result"), "Not applied: "));
        assertThat(browser.findElement(By.id("app-result")).getText()).startsWith("Not applied: application.yml: ");
        shot("ota");
        assertThat(Files.readString(app)).isEqualTo(before);

        // Logged in as a user without rights: the restart is refused by the master, and the page says so.
        long hubPid = baetyl.instances("localhub").get("localhub");
        browser.findElement(By.id("logout")).click();
        login("viewer", "viewer-secret");
        click(By.id("nav-overview"));
        click(By.cssSelector("#services-table button.restart[data-instance='localhub']"));
        waiting().until(ExpectedConditions.visibilityOfElementLocated(By.id("confirm")));
        browser.findElement(By.id("confirm-ok")).click();
        assertThat(flashText()).isEqualTo("Restart refused: user 'viewer' may not restart instances of service "
                + "'localhub': conf.yml console.users[].restart does not list it");
        shot("refused");
        assertThat(baetyl.instances("localhub").get("localhub")).isEqualTo(hubPid);
        assertThat(ProcessHandle.of(hubPid).map(ProcessHandle::isAlive)).contains(true);

        // A phone-sized screen: the page fits its width (wide tables scroll inside their own box).
        browser.manage().window().setSize(new Dimension(390, 844));
        browser.get(base + "#/overview");
        waiting().until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#services-table")));
        Object overflow = ((JavascriptExecutor) browser).executeScript(
                "return document.documentElement.scrollWidth - window.innerWidth;");
        assertThat(((Number) overflow).longValue()).isLessThanOrEqualTo(0);
        shot("phone");
    }

    /** The chart's last points, [report time in epoch ms, messages received per second]. */
    private static List<double[]> recentRates(WebElement chart) {
        try {
            List<List<Number>> points = BaetylHome.JSON.readValue(chart.getAttribute("data-recent"),
                    new com.fasterxml.jackson.core.type.TypeReference<>() {
                    });
            return points.stream().map(p -> new double[] {p.get(0).doubleValue(), p.get(1).doubleValue()}).toList();
        } catch (java.io.IOException e) {
            return List.of();
        }
    }

    /** /metrics through the Prometheus Python client's parser (Debian's python3-prometheus-client). */
    static final class Metrics {
        @SuppressWarnings("unchecked")
        static Map<String, Map<String, Object>> parse(String text) throws Exception {
            Path script = Path.of(OperatorViewIT.class.getResource("/metrics/parse_metrics.py").toURI());
            Process p = new ProcessBuilder("/usr/bin/python3", script.toString()).start();
            p.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("the Prometheus parser refused /metrics: " + err);
            }
            Map<String, Map<String, Object>> byName = new java.util.LinkedHashMap<>();
            for (Map<String, Object> f : (List<Map<String, Object>>) BaetylHome.JSON.readValue(out, List.class)) {
                byName.put((String) f.get("name"), f);
            }
            return byName;
        }

        @SuppressWarnings("unchecked")
        static double sample(Map<String, Map<String, Object>> families, String family, String sample,
                             Map<String, String> labels) {
            Map<String, Object> f = families.get(family);
            if (f == null) {
                return Double.NaN;
            }
            for (Map<String, Object> s : (List<Map<String, Object>>) f.get("samples")) {
                Map<String, String> l = (Map<String, String>) s.get("labels");
                if (s.get("name").equals(sample) && l.entrySet().containsAll(labels.entrySet())) {
                    return ((Number) s.get("value")).doubleValue();
                }
            }
            return Double.NaN;
        }
    }
}
