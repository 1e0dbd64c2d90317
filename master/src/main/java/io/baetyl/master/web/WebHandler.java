package io.baetyl.master.web;

/** Serves the requests of one web endpoint. Runs on a worker thread: it may block. */
@FunctionalInterface
public interface WebHandler {
    WebResponse handle(WebRequest request) throws Exception;
}
