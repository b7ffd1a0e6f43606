package dev.ember.load.report;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What taking a full-page screenshot of a report with headless Chromium takes, as pure parts: where
 * a browser is, its command line (root-safe, no network, a fresh profile each time), and how much
 * of a tall screenshot is page (the rest is the window's white below the page's end).
 */
public final class Screenshots {
    /** The names Chromium is installed under (Debian's package, Ubuntu's, Google's). */
    static final List<String> BROWSERS = List.of("chromium", "chromium-browser", "google-chrome");

    /** How to get one, printed when none is found. */
    public static final String INSTALL = "no Chromium found on PATH (looked for " + String.join(", ", BROWSERS)
            + "): install it (Debian/Ubuntu: apt-get install -y chromium) or pass --browser PATH";

    /** White left below the page's last non-white row. */
    static final int MARGIN = 24;

    private Screenshots() {}

    /** The first of {@link #BROWSERS} found in the directories of {@code path} (a PATH value). */
    public static Optional<Path> findBrowser(String path) {
        if (path == null) {
            return Optional.empty();
        }
        for (String name : BROWSERS) {
            for (String dir : path.split(java.io.File.pathSeparator)) {
                if (dir.isEmpty()) {
                    continue;
                }
                Path candidate = Path.of(dir, name);
                if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                    return Optional.of(candidate);
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Headless Chromium writing a {@code width}×{@code height} screenshot of {@code html} to {@code
     * png}, with a profile of its own in {@code profile}: no sandbox (it runs as root in CI and
     * containers), no GPU, nothing fetched from the network, no first-run pages.
     */
    public static List<String> command(Path browser, Path html, Path png, Path profile, int width, int height) {
        List<String> c = new ArrayList<>(List.of(
                browser.toString(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                "--user-data-dir=" + profile.toAbsolutePath(),
                "--window-size=" + width + "," + height,
                "--screenshot=" + png.toAbsolutePath()));
        c.add(html.toAbsolutePath().toUri().toString());
        return c;
    }

    /**
     * The height worth keeping: down to the last row with a pixel that is not {@code background},
     * plus {@link #MARGIN}; the whole image when the page reaches its bottom (taller than the
     * window: take it again with a taller one, see {@link #reachesBottom}).
     */
    public static int contentHeight(BufferedImage image, int background) {
        int w = image.getWidth();
        for (int y = image.getHeight() - 1; y >= 0; y--) {
            for (int x = 0; x < w; x++) {
                if ((image.getRGB(x, y) & 0xffffff) != (background & 0xffffff)) {
                    return Math.min(image.getHeight(), y + 1 + MARGIN);
                }
            }
        }
        return Math.min(image.getHeight(), MARGIN);
    }

    /** True when the page may go on below the window: its content ends within the margin of the bottom. */
    public static boolean reachesBottom(BufferedImage image, int background) {
        return contentHeight(image, background) >= image.getHeight();
    }
}
