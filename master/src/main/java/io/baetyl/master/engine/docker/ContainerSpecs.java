package io.baetyl.master.engine.docker;

import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Device;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.InternetProtocol;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import com.github.dockerjava.api.model.Volume;
import io.baetyl.master.config.ServiceVolume;
import io.baetyl.master.config.VolumeSpec;
import io.baetyl.master.security.PathGuard;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The pure translations from a service's compose settings to Docker's: binds, port specs, devices and env. Kept
 * apart from the engine so they can be tested without a daemon. Each method throws IllegalArgumentException whose
 * message names the bad value.
 */
final class ContainerSpecs {
    /** Where the master API socket appears inside every container (read-only bind). */
    static final String SOCKET_IN_CONTAINER = "/var/run/baetyl.sock";

    private ContainerSpecs() {
    }

    /**
     * One service volume as a Docker bind: a compose named volume when {@code source} names one, otherwise a host
     * directory inside the working dir, after symlinks ({@link PathGuard}): Baetyl re-rooted such paths under the
     * working dir ({@code path.Join(pwd, path.Join("/", source))}); an absolute or {@code ..} path is now an error
     * naming the key instead, and a symlink cannot lead the bind outside.
     *
     * @param key names the volume's host path in errors ({@code services.x.volumes[0].source})
     */
    static Bind bind(PathGuard guard, ServiceVolume v, Map<String, VolumeSpec> namedVolumes, String key) {
        if (v.source == null || v.source.isBlank()) {
            throw new IllegalArgumentException("volume for " + v.target + " has an empty source");
        }
        String target = Path.of("/").resolve(v.target).normalize().toString();
        AccessMode mode = v.readOnly ? AccessMode.ro : AccessMode.rw;
        if (namedVolumes.containsKey(v.source)) {
            return new Bind(v.source, new Volume(target), mode);
        }
        if ("volume".equals(v.type)) {
            throw new IllegalArgumentException("volume '" + v.source + "' (type: volume) is not declared under the app's volumes");
        }
        return new Bind(guard.resolve(key, v.source).toString(), new Volume(target), mode);
    }

    /**
     * Port specs as Docker's CLI (and Baetyl through {@code nat.ParsePortSpecs}) accepts them:
     * {@code [ip:][hostPort:]containerPort[/proto]}, where ports may be ranges {@code a-b} of equal length.
     * A container port without a host port is exposed and published on a random host port.
     */
    static List<PortBinding> ports(List<String> specs) {
        List<PortBinding> out = new ArrayList<>();
        for (String spec : specs) {
            out.addAll(port(spec));
        }
        return out;
    }

    static List<PortBinding> port(String spec) {
        String s = spec.trim();
        InternetProtocol proto = InternetProtocol.TCP;
        int slash = s.lastIndexOf('/');
        if (slash >= 0) {
            try {
                proto = InternetProtocol.parse(s.substring(slash + 1));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("port '" + spec + "': unknown protocol '" + s.substring(slash + 1) + "'");
            }
            s = s.substring(0, slash);
        }
        String ip = "";
        if (s.startsWith("[")) { // [ipv6]:host:container
            int close = s.indexOf("]:");
            if (close < 0) {
                throw new IllegalArgumentException("port '" + spec + "': bad IPv6 address");
            }
            ip = s.substring(1, close);
            s = s.substring(close + 2);
            if (!s.contains(":")) {
                throw new IllegalArgumentException("port '" + spec + "': an address needs host and container ports");
            }
        }
        String[] parts = s.split(":", -1);
        String hostPart;
        String containerPart;
        switch (parts.length) {
            case 1 -> {
                hostPart = "";
                containerPart = parts[0];
            }
            case 2 -> {
                hostPart = parts[0];
                containerPart = parts[1];
            }
            case 3 -> {
                if (!ip.isEmpty()) {
                    throw new IllegalArgumentException("port '" + spec + "': too many ':'");
                }
                ip = parts[0];
                hostPart = parts[1];
                containerPart = parts[2];
            }
            default -> throw new IllegalArgumentException("port '" + spec + "': expected [ip:][hostPort:]containerPort[/proto]");
        }
        int[] container = range(spec, containerPart, "container port");
        int[] host = hostPart.isEmpty() ? null : range(spec, hostPart, "host port");
        int n = container[1] - container[0] + 1;
        if (host != null && host[1] - host[0] + 1 != n && !(n == 1)) {
            throw new IllegalArgumentException("port '" + spec + "': host and container port ranges differ in length");
        }
        List<PortBinding> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ExposedPort exposed = new ExposedPort(container[0] + i, proto);
            Ports.Binding binding;
            if (host == null) {
                binding = new Ports.Binding(ip.isEmpty() ? null : ip, null);
            } else if (n == 1 && host[0] != host[1]) {
                // One container port, a host range: docker picks a free port of the range.
                binding = new Ports.Binding(ip.isEmpty() ? null : ip, host[0] + "-" + host[1]);
            } else {
                binding = new Ports.Binding(ip.isEmpty() ? null : ip, String.valueOf(host[0] + i));
            }
            out.add(new PortBinding(binding, exposed));
        }
        return out;
    }

    private static int[] range(String spec, String text, String what) {
        String[] ends = text.split("-", -1);
        if (ends.length > 2) {
            throw new IllegalArgumentException("port '" + spec + "': bad " + what + " range '" + text + "'");
        }
        int lo = portNumber(spec, ends[0], what);
        int hi = ends.length == 2 ? portNumber(spec, ends[1], what) : lo;
        if (hi < lo) {
            throw new IllegalArgumentException("port '" + spec + "': " + what + " range '" + text + "' ends before it starts");
        }
        return new int[] {lo, hi};
    }

    private static int portNumber(String spec, String text, String what) {
        try {
            int p = Integer.parseInt(text);
            if (p < 0 || p > 65535) {
                throw new NumberFormatException();
            }
            return p;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("port '" + spec + "': invalid " + what + " '" + text + "'");
        }
    }

    /**
     * A device {@code host[:container[:perms]]}; the container path defaults to the host path, perms to {@code mrw}.
     * Devices are the one deliberate exception to "host paths stay inside the working dir": they name host device
     * nodes, so the host path must be under {@code /dev}.
     */
    static Device device(String spec) {
        String[] parts = spec.split(":", -1);
        if (parts.length > 3 || parts[0].isEmpty()) {
            throw new IllegalArgumentException("device '" + spec + "': expected host[:container[:permissions]]");
        }
        Path host0 = Path.of(parts[0]).normalize();
        if (!host0.isAbsolute() || !host0.startsWith("/dev") || host0.getNameCount() < 2) {
            throw new IllegalArgumentException("device '" + spec + "': the host path must be a device under /dev, got '"
                    + parts[0] + "'");
        }
        String host = parts[0];
        String container = parts.length >= 2 && !parts[1].isEmpty() ? parts[1] : host;
        String perms = parts.length == 3 && !parts[2].isEmpty() ? parts[2] : "mrw";
        if (parts.length == 2 && isPermissions(parts[1])) {
            // host:perms, as docker's CLI accepts
            container = host;
            perms = parts[1];
        }
        if (!isPermissions(perms)) {
            throw new IllegalArgumentException("device '" + spec + "': permissions must be a combination of r, w and m, got '" + perms + "'");
        }
        return new Device(perms, container, host);
    }

    private static boolean isPermissions(String s) {
        return !s.isEmpty() && s.chars().allMatch(c -> c == 'r' || c == 'w' || c == 'm') && !s.startsWith("/");
    }

    /** KEY=VALUE list: exactly the variables the master computed for the instance, never the master's own env. */
    static List<String> env(Map<String, String> env) {
        List<String> out = new ArrayList<>(env.size());
        env.forEach((k, v) -> out.add(k + "=" + (v == null ? "" : v)));
        return out;
    }
}
