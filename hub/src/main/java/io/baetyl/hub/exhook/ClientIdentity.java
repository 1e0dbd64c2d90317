package io.baetyl.hub.exhook;

import io.baetyl.hub.server.ClientAddress;
import io.emqx.exhook.ClientInfo;
import io.emqx.exhook.ConnInfo;
import io.netty.channel.Channel;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * Who one connection is, as the hook requests tell it: {@code ConnInfo} and {@code ClientInfo}, filled from the CONNECT
 * and the client id the hub settled on. The peer is the PROXY protocol address when there is one.
 */
final class ClientIdentity {
    private final String node;
    private final Channel ch;
    private volatile String clientId = "";
    /** The client id's hash: which pool channel this client's calls take (per-client ordering). */
    private volatile int hash;
    private String username = "";
    private String password = "";
    private String protoVer = "4";
    private int keepAlive;

    ClientIdentity(String node, Channel ch) {
        this.node = node;
        this.ch = ch;
    }

    /** Reads who the client says it is from its CONNECT. */
    void connect(MqttConnectMessage msg) {
        var vh = msg.variableHeader();
        var pl = msg.payload();
        clientId(pl.clientIdentifier());
        username = vh.hasUserName() && pl.userName() != null ? pl.userName() : "";
        password = vh.hasPassword() && pl.passwordInBytes() != null
                ? new String(pl.passwordInBytes(), StandardCharsets.UTF_8) : "";
        protoVer = Integer.toString(vh.version());
        keepAlive = vh.keepAliveTimeSeconds();
    }

    /** The client id the hub settled on (assigned, or the one asked for); null keeps the current one. */
    void clientId(String id) {
        if (id != null) {
            clientId = id;
            hash = id.hashCode();
        }
    }

    String clientId() {
        return clientId;
    }

    int hash() {
        return hash;
    }

    String username() {
        return username;
    }

    String peerHost() {
        SocketAddress a = ClientAddress.of(ch);
        if (!(a instanceof InetSocketAddress p)) {
            return "";
        }
        return p.getAddress() == null ? p.getHostString() : p.getAddress().getHostAddress();
    }

    private int sockPort() {
        return ch.localAddress() instanceof InetSocketAddress l ? l.getPort() : 0;
    }

    ConnInfo connInfo() {
        return ConnInfo.newBuilder().setNode(node).setClientid(clientId).setUsername(username)
                .setPeerhost(peerHost()).setSockport(sockPort()).setProtoName("MQTT")
                .setProtoVer(protoVer).setKeepalive(keepAlive).build();
    }

    ClientInfo clientInfo() {
        return ClientInfo.newBuilder().setNode(node).setClientid(clientId).setUsername(username)
                .setPassword(password).setPeerhost(peerHost()).setSockport(sockPort())
                .setProtocol("mqtt").setMountpoint("").setIsSuperuser(false).setAnonymous(false).build();
    }
}
