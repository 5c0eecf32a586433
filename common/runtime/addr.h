/* common/runtime/addr.h - the one table of the controllers' default addresses: the ports of
 * the endpoints between the processes and what each listens on or dials by default (this
 * machine); install gives the in-cluster ones (all interfaces, the Services' names). */
#ifndef CF_ADDR_H
#define CF_ADDR_H

/* port            endpoint (owner)                                  */
#define CF_PORT_ARTIFACT    "9790" /* artifact service (source-controller, nng REP) */
#define CF_PORT_NOTIFY      "9791" /* new-artifact notices (source-controller, nng PUB) */
#define CF_PORT_EVENTS      "9792" /* event intake (notification-controller, nng PULL) */
#define CF_PORT_EVENTS_HTTP "9690" /* event intake over HTTP (notification-controller) */
#define CF_PORT_RECEIVER    "9292" /* webhook receivers (notification-controller, HTTP) */

#define CF_ADDR_LOCAL "127.0.0.1"
#define CF_ADDR_ANY   "0.0.0.0"

#define CF_DEFAULT_ARTIFACT_ADDR    "tcp://" CF_ADDR_LOCAL ":" CF_PORT_ARTIFACT
#define CF_DEFAULT_NOTIFY_ADDR      "tcp://" CF_ADDR_LOCAL ":" CF_PORT_NOTIFY
#define CF_DEFAULT_EVENTS_ADDR      "tcp://" CF_ADDR_LOCAL ":" CF_PORT_EVENTS
#define CF_DEFAULT_EVENTS_HTTP_ADDR CF_ADDR_LOCAL ":" CF_PORT_EVENTS_HTTP
#define CF_DEFAULT_RECEIVER_ADDR    CF_ADDR_LOCAL ":" CF_PORT_RECEIVER

#endif
