package io.baetyl.hub.server;

import io.baetyl.hub.auth.Authenticator;
import io.baetyl.hub.broker.Message;
import io.baetyl.hub.topic.Topics;
import io.netty.channel.Channel;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.ssl.SslHandler;
import java.nio.charset.StandardCharsets;
import java.security.cert.Certificate;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * What a CONNECT must pass before its session starts, in baetyl-hub's order: a valid client id, a login (password, or
 * the client certificate of a two-way TLS connection naming a certificate principal), and a will the account may
 * publish. Either the account and will, or the CONNACK code and the reason for the log.
 */
final class ConnectCheck {
    final Authenticator.Account account;
    final Message will;
    final MqttConnectReturnCode refusal;
    final String reason;

    private ConnectCheck(Authenticator.Account account, Message will, MqttConnectReturnCode refusal, String reason) {
        this.account = account;
        this.will = will;
        this.refusal = refusal;
        this.reason = reason;
    }

    private static ConnectCheck refused(MqttConnectReturnCode code, String reason) {
        return new ConnectCheck(null, null, code, reason);
    }

    /**
     * The verdict of ExHook's {@code client.authenticate} over the hub's own: a refusal for the login can be turned into
     * an account without permits (the {@code client.authorize} hook then decides each publish); an accepted login can be
     * refused (not authorized). Other refusals (client id, will) stand.
     */
    ConnectCheck withHookVerdict(boolean ok, MqttConnectMessage msg) {
        if (ok == !refused()) {
            return this;
        }
        if (!ok) {
            return refused(MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED, "refused by exhook client.authenticate");
        }
        if (refusal != MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD) {
            return this;
        }
        String username = msg.variableHeader().hasUserName() ? msg.payload().userName() : "";
        return new ConnectCheck(Authenticator.Account.withoutPermits(username == null ? "" : username), null, null, null);
    }

    boolean refused() {
        return refusal != null;
    }

    static ConnectCheck authenticate(MqttConnectMessage msg, Authenticator auth, Channel ch, Protocol protocol) {
        var vh = msg.variableHeader();
        var pl = msg.payload();
        String id = pl.clientIdentifier();
        if (!Topics.isValidClientId(id)) {
            return refused(MqttConnectReturnCode.CONNECTION_REFUSED_IDENTIFIER_REJECTED, "client id invalid");
        }
        if ((id == null || id.isEmpty()) && !vh.isCleanSession() && !protocol.acceptsEmptyClientIdWithSession()) {
            // MQTT 3.1.1 [MQTT-3.1.3-8]: a session that is to be kept needs a client id to be found again
            return refused(MqttConnectReturnCode.CONNECTION_REFUSED_IDENTIFIER_REJECTED,
                    "zero-length client id with clean session 0");
        }
        MqttConnectReturnCode versionRefusal = protocol.refuseConnect(msg);
        if (versionRefusal != null) {
            return refused(versionRefusal, "authentication method not supported");
        }
        String username = vh.hasUserName() ? pl.userName() : null;
        byte[] pw = vh.hasPassword() ? pl.passwordInBytes() : null;
        if (username == null || username.isEmpty()) {
            return refused(MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD, "username not set");
        }
        Authenticator.Account account;
        if (pw != null && pw.length > 0) {
            account = auth.authenticate(username, new String(pw, StandardCharsets.UTF_8));
            if (account == null) {
                return refused(MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD,
                        "username or password not permitted (username=" + username + ")");
            }
        } else if (hasClientCertificate(ch)) {
            account = auth.authenticateCertificate(username);
            if (account == null) {
                return refused(MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD,
                        "certificate principal not permitted (username=" + username + ")");
            }
        } else {
            return refused(MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD,
                    "password not set (username=" + username + ")");
        }
        Message will = null;
        if (vh.isWillFlag()) {
            String wt = pl.willTopic();
            if (!Topics.isValidPublishTopic(wt) || !account.canPublish(wt)) {
                return refused(MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED, "will topic (" + wt + ") invalid or not permitted");
            }
            // MQTT 5: the will's message properties travel with it as with any PUBLISH (its delay is the protocol's)
            will = new Message(wt, pl.willMessageInBytes(), vh.willQos(), vh.isWillRetain(), id,
                    PublishProperties.from(pl.willProperties()));
        }
        return new ConnectCheck(account, will, null, null);
    }

    private static boolean hasClientCertificate(Channel ch) {
        SslHandler ssl = ch.pipeline().get(SslHandler.class);
        if (ssl == null) {
            return false;
        }
        try {
            Certificate[] certs = ssl.engine().getSession().getPeerCertificates();
            return certs != null && certs.length > 0;
        } catch (SSLPeerUnverifiedException e) {
            return false;
        }
    }
}
