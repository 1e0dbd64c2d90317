package io.baetyl.master.inspect;

import java.net.Inet6Address;
import java.net.InterfaceAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The {@code net_stats} block of the inspect document: the host's interfaces as Go's {@code net} package lists them. */
final class NetStats {
    private NetStats() {
    }

    /** {@code interfaces: [{index, name, mac, addrs: [{network: "ip+net", address: "ip/prefix"}]}]}, by index. */
    static Map<String, Object> collect() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("time", ProcFs.now());
        List<Map<String, Object>> interfaces = new ArrayList<>();
        try {
            List<NetworkInterface> all = Collections.list(NetworkInterface.getNetworkInterfaces());
            all.sort(Comparator.comparingInt(NetworkInterface::getIndex));
            for (NetworkInterface ni : all) {
                Map<String, Object> i = new LinkedHashMap<>();
                i.put("index", ni.getIndex());
                i.put("name", ni.getName());
                List<Map<String, Object>> addrs = new ArrayList<>();
                try {
                    String mac = mac(ni.getHardwareAddress());
                    if (!mac.isEmpty()) {
                        i.put("mac", mac);
                    }
                    for (InterfaceAddress a : ni.getInterfaceAddresses()) {
                        String ip = a.getAddress().getHostAddress();
                        if (a.getAddress() instanceof Inet6Address) {
                            int pct = ip.indexOf('%'); // Go prints no zone in an IPNet
                            ip = pct < 0 ? ip : ip.substring(0, pct);
                        }
                        Map<String, Object> addr = new LinkedHashMap<>();
                        addr.put("network", "ip+net");
                        addr.put("address", ip + "/" + a.getNetworkPrefixLength());
                        addrs.add(addr);
                    }
                } catch (SocketException e) {
                    i.put("error", e.getMessage());
                }
                i.put("addrs", addrs);
                interfaces.add(i);
            }
        } catch (SocketException | RuntimeException e) {
            m.put("error", e.toString());
        }
        m.put("interfaces", interfaces);
        return m;
    }

    private static String mac(byte[] hw) {
        if (hw == null || hw.length == 0) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        for (byte b : hw) {
            if (sb.length() > 0) {
                sb.append(':');
            }
            sb.append(String.format("%02x", b & 0xff));
        }
        return sb.toString();
    }

}
