package io.baetyl.master.web;

import java.util.List;
import java.util.Map;

/**
 * One request to a web endpoint of the master, copied out of Netty's buffers.
 *
 * @param path    the decoded path, without the query
 * @param query   decoded query parameters
 * @param headers header values by lower-case name (the first of each)
 * @param remote  the client's IP address as text
 * @param secure  whether the connection is TLS
 */
public record WebRequest(String method, String path, Map<String, List<String>> query, Map<String, String> headers,
                         byte[] body, String remote, boolean secure) {

    public String header(String lowerCaseName) {
        return headers.get(lowerCaseName);
    }

    public String queryParam(String name) {
        List<String> v = query.get(name);
        return v == null || v.isEmpty() ? null : v.get(0);
    }
}
