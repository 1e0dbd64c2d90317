'use strict';
// Handlers for bench/functions-bench.sh with RUNTIME=node: echo the event, or wait 10 ms first.

exports.echo = (event, context, callback) => callback(null, event);

exports.sleep10 = (event, context, callback) => setTimeout(() => callback(null, event), 10);
