package dev.ember.load.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScreenshotsTest {
    @Test
    void keepsThePageAndAMarginNotTheWindowBelowIt() {
        BufferedImage img = new BufferedImage(40, 1000, BufferedImage.TYPE_INT_RGB);
        fill(img, 0, 1000, 0xffffff);
        fill(img, 100, 101, 0x222222); // the page's last line of text
        assertThat(Screenshots.contentHeight(img, 0xffffff)).isEqualTo(101 + Screenshots.MARGIN);
        assertThat(Screenshots.reachesBottom(img, 0xffffff)).isFalse();
        fill(img, 990, 991, 0x222222); // the page goes on below the window
        assertThat(Screenshots.reachesBottom(img, 0xffffff)).isTrue();
    }

    @Test
    void findsChromiumOnPathOrSaysHowToInstallIt(@TempDir Path dir) throws Exception {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        assertThat(Screenshots.findBrowser(dir + ":" + bin)).isEmpty();
        assertThat(Screenshots.INSTALL).contains("apt-get install -y chromium");
        Path chromium = Files.writeString(bin.resolve("chromium"), "#!/bin/sh\n");
        assertThat(Screenshots.findBrowser(dir + ":" + bin)).isEmpty(); // not executable
        Files.setPosixFilePermissions(chromium, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertThat(Screenshots.findBrowser(dir + ":" + bin)).contains(chromium);
    }

    @Test
    void aHeadlessRootSafeOfflineCommandLine() {
        var c = Screenshots.command(
                Path.of("/usr/bin/chromium"),
                Path.of("/r/spike.html"),
                Path.of("/r/spike.png"),
                Path.of("/t/p"),
                1280,
                8000);
        assertThat(c.get(0)).isEqualTo("/usr/bin/chromium");
        assertThat(c)
                .contains(
                        "--headless",
                        "--no-sandbox",
                        "--disable-gpu",
                        "--disable-quic",
                        "--no-first-run",
                        "--disable-background-networking",
                        "--disable-component-update",
                        "--disable-sync",
                        "--user-data-dir=/t/p",
                        "--window-size=1280,8000",
                        "--screenshot=/r/spike.png");
        assertThat(c.get(c.size() - 1)).isEqualTo("file:///r/spike.html");
    }

    private static void fill(BufferedImage img, int from, int to, int rgb) {
        for (int y = from; y < to; y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                img.setRGB(x, y, rgb);
            }
        }
    }
}
