package io.baetyl.video;

import java.util.List;
import java.util.Optional;
import org.opencv.core.Core;
import org.opencv.dnn.Dnn;

/**
 * Loads OpenCV's JNI library once. Debian's {@code libopencv406-jni} puts it in {@code /usr/lib/jni}, which Debian's
 * JDK has on {@code java.library.path}; the Java classes come from {@code /usr/share/java/opencv.jar} (the jar's
 * manifest names it).
 */
public final class OpenCv {
    private static volatile String version;
    private static int queriedBackend = -1;
    private static List<Integer> queriedTargets;

    private OpenCv() {
    }

    /** Loads the library (once) and returns OpenCV's version; a missing library is an error saying what to install. */
    public static synchronized String load() {
        if (version != null) {
            return version;
        }
        String name;
        try {
            // Read at run time, not inlined at compile time: the library name follows the installed jar's version.
            name = (String) Core.class.getField("NATIVE_LIBRARY_NAME").get(null);
        } catch (NoClassDefFoundError e) {
            throw new IllegalStateException("OpenCV's Java classes are missing (/usr/share/java/opencv.jar): install "
                    + "Debian's libopencv-java (scripts/install-deps.sh)", e);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("OpenCV's Java classes are unusable: " + e, e);
        }
        try {
            System.loadLibrary(name);
        } catch (UnsatisfiedLinkError e) {
            throw new IllegalStateException("OpenCV's native library " + System.mapLibraryName(name)
                    + " cannot be loaded from java.library.path (" + System.getProperty("java.library.path")
                    + "): install Debian's libopencv406-jni (scripts/install-deps.sh): " + e.getMessage(), e);
        }
        version = Core.getVersionString();
        return version;
    }

    /**
     * The DNN targets OpenCV offers for {@code backend}, or empty when that cannot be asked safely. OpenCV 4.6's JNI
     * wrapper of {@code getAvailableTargets} caches JNI local references in statics, so only the first call of a
     * process is sound (a second one crashed the JVM in our tests): the answer is kept, and a question about another
     * backend in the same process (only tests load several models) stays unanswered.
     */
    static synchronized Optional<List<Integer>> availableTargets(int backend) {
        load();
        if (queriedBackend < 0) {
            queriedTargets = List.copyOf(Dnn.getAvailableTargets(backend));
            queriedBackend = backend;
        }
        return queriedBackend == backend ? Optional.of(queriedTargets) : Optional.empty();
    }
}
