package io.baetyl.master.check;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs each module's {@link io.baetyl.sdk.config.ConfigCheck} in this JVM, from the module's jar in its own class
 * loader (closed at the end, so the classes can be unloaded by the next full GC).
 */
public final class InProcessConfigChecker implements ModuleConfigChecker {
    @Override
    public List<List<String>> check(List<Request> requests) {
        Map<Path, URLClassLoader> loaders = new LinkedHashMap<>();
        try {
            List<List<String>> out = new ArrayList<>();
            for (Request r : requests) {
                List<String> lines;
                try {
                    lines = invoke(loaders, r);
                } catch (ReflectiveOperationException | IOException | LinkageError e) {
                    lines = List.of(UNCHECKED + (e.getCause() != null ? e.getCause() : e));
                }
                out.add(lines);
            }
            return out;
        } finally {
            for (URLClassLoader l : loaders.values()) {
                try {
                    l.close();
                } catch (IOException e) {
                    // nothing to do: the check is over
                }
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static List<String> invoke(Map<Path, URLClassLoader> loaders, Request r)
            throws ReflectiveOperationException, IOException {
        Path real = r.jar().toRealPath();
        URLClassLoader loader = loaders.get(real);
        if (loader == null) {
            // The module's own classes and libraries (its sdk, SnakeYAML), not the master's.
            loader = new URLClassLoader(new URL[] {real.toUri().toURL()}, ClassLoader.getPlatformClassLoader());
            loaders.put(real, loader);
        }
        Thread t = Thread.currentThread();
        ClassLoader before = t.getContextClassLoader();
        t.setContextClassLoader(loader);
        try {
            Method check = loader.loadClass("io.baetyl.sdk.config.ConfigCheck")
                    .getMethod("check", String.class, String.class, String.class);
            return (List<String>) check.invoke(null, r.configClass(), r.file().toString(), r.display());
        } catch (InvocationTargetException e) {
            throw new ReflectiveOperationException(e.getCause());
        } finally {
            t.setContextClassLoader(before);
        }
    }
}
