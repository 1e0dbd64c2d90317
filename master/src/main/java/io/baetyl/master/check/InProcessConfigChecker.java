package io.baetyl.master.check;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs each module's {@link io.baetyl.sdk.config.ConfigCheck} in this JVM, from the module's jar in its own class
 * loader (closed at the end, so the classes can be unloaded by the next full GC). The jars are checked in parallel,
 * one thread per core at most: loading and verifying a module's config classes (300-700 classes each) is most of a
 * start's check, and the modules' loaders share nothing.
 */
public final class InProcessConfigChecker implements ModuleConfigChecker {
    @Override
    public List<List<String>> check(List<Request> requests) {
        // The requests of one jar run in order on one thread, with that jar's loader.
        Map<Path, List<Integer>> byJar = new LinkedHashMap<>();
        for (int i = 0; i < requests.size(); i++) {
            byJar.computeIfAbsent(requests.get(i).jar().toAbsolutePath().normalize(), k -> new ArrayList<>()).add(i);
        }
        List<String>[] out = newResults(requests.size());
        int threads = Math.min(byJar.size(), Runtime.getRuntime().availableProcessors());
        if (threads <= 1) {
            byJar.values().forEach(indexes -> checkJar(requests, indexes, out));
            return Arrays.asList(out);
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "config-check");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> running = new ArrayList<>();
            byJar.values().forEach(indexes -> running.add(pool.submit(() -> checkJar(requests, indexes, out))));
            for (Future<?> f : running) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while checking the modules' configs", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("the modules' config check failed", e.getCause());
        } finally {
            pool.shutdownNow();
        }
        return Arrays.asList(out);
    }

    @SuppressWarnings("unchecked")
    private static List<String>[] newResults(int n) {
        return (List<String>[]) new List<?>[n];
    }

    private static void checkJar(List<Request> requests, List<Integer> indexes, List<String>[] out) {
        URLClassLoader loader = null;
        try {
            for (int i : indexes) {
                Request r = requests.get(i);
                try {
                    if (loader == null) {
                        // The module's own classes and libraries (its sdk, SnakeYAML), not the master's.
                        loader = new URLClassLoader(new URL[] {r.jar().toRealPath().toUri().toURL()},
                                ClassLoader.getPlatformClassLoader());
                    }
                    out[i] = invoke(loader, r);
                } catch (ReflectiveOperationException | IOException | LinkageError e) {
                    out[i] = List.of(UNCHECKED + (e.getCause() != null ? e.getCause() : e));
                }
            }
        } finally {
            if (loader != null) {
                try {
                    loader.close();
                } catch (IOException e) {
                    // nothing to do: the check is over
                }
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static List<String> invoke(URLClassLoader loader, Request r) throws ReflectiveOperationException {
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
