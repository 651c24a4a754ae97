/*
 * consent_flow.c: the whole ConnectToTeams consent flow from C, top to bottom.
 *
 *   1. start a webhook listener (it receives the Global Admin's outcome);
 *   2. ask the API for an action URL (here: the User Sync consent) and print it;
 *   3. the Global Admin opens it (here: the embedded mock's simulated admin approves);
 *   4. wait for the listener's event and print the outcome.
 *
 * Against the real service, drop the mock: set the base URL to the default (or leave it out),
 * use your own credentials, and a public https redirect URL that reaches your listener.
 *
 * Build: cc -std=c99 consent_flow.c $(pkg-config --cflags --libs ctt) -lpthread
 */
#define _POSIX_C_SOURCE 200809L
#include <ctt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

/* What the listener's callback hands to the main thread. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t arrived = PTHREAD_COND_INITIALIZER;
static ctt_event *received = NULL;

/* Runs on a library thread ("ctt-callback") for each valid callback; we own `event`. */
static void on_event(void *userdata, ctt_event *event) {
  (void)userdata;
  pthread_mutex_lock(&lock);
  if (received == NULL) received = event;
  else ctt_event_free(event);
  pthread_cond_signal(&arrived);
  pthread_mutex_unlock(&lock);
}

/* Prints the calling thread's last ctt error and exits. */
static void die(const char *what, ctt_result r) {
  char message[512];
  size_t len;
  ctt_last_error_message(message, sizeof message, &len);
  fprintf(stderr, "%s failed: %s (%s)\n", what, ctt_result_name(r), message);
  exit(1);
}

#define TRY(what, call)                 \
  do {                                  \
    ctt_result r_ = (call);             \
    if (r_ != CTT_OK) die((what), r_);  \
  } while (0)

int main(void) {
  ctt_mock_server *mock;
  ctt_callback_handler *handler;
  ctt_listener *listener;
  ctt_client_options *options;
  ctt_client *client;
  ctt_request *request;
  ctt_action_url *action_url;
  ctt_flow_signer *signer;
  const char *base_url, *token, *client_id, *client_secret, *username, *password;
  const char *callback_url, *url, *message;
  unsigned char state_key[32] = "change me: 32+ bytes of secret!";
  ctt_event_kind kind;
  uint16_t status;

  printf("libctt %s\n", ctt_version());

  /* A stand-in for the ConnectToTeams API, so this example runs anywhere. */
  TRY("starting the mock", ctt_mock_server_start(&mock));
  TRY("mock URL", ctt_mock_server_base_url(mock, &base_url));
  TRY("demo credentials", ctt_mock_server_demo_credentials(&token, &client_id, &client_secret, &username, &password));

  /* 1. The listener, verifying the signed state token that ties each callback to its request. */
  TRY("signer", ctt_flow_signer_new(state_key, sizeof state_key, &signer));
  TRY("handler", ctt_callback_handler_new(&handler));
  TRY("state check", ctt_callback_handler_set_state_query(handler, signer, "ctt_state"));
  TRY("starting the listener", ctt_listener_start(handler, "127.0.0.1:0", "/callback", on_event, NULL, &listener));
  TRY("callback URL", ctt_listener_callback_url(listener, &callback_url));

  /* 2. The client (password grant), and the action URL for the User Sync consent. */
  TRY("options", ctt_client_options_new(&options));
  TRY("base URL", ctt_client_options_set_base_url(options, base_url));
  TRY("credentials", ctt_client_options_set_password_grant(options, client_id, client_secret, username, password));
  TRY("timeout", ctt_client_options_set_timeout_ms(options, 15000));
  TRY("client", ctt_client_new(options, &client));
  ctt_client_options_free(options); /* wipes the secrets it held */

  TRY("request", ctt_request_new(CTT_ACTION_USER_SYNC_CONSENT, "AcmeCorp", callback_url, &request));
  TRY("state token", ctt_request_set_state_query(request, signer, "ctt_state"));
  TRY("getActionItemUrl", ctt_client_get_action_item_url(client, request, &action_url));
  TRY("URL", ctt_action_url_url(action_url, &url));
  printf("Ask the Global Admin of AcmeCorp to open:\n  %s\n", url);

  /* 3. The Global Admin approves (simulated by the mock). */
  TRY("simulated consent", ctt_mock_server_consent(mock, url, CTT_DECISION_APPROVE, &status));

  /* 4. Wait for the listener's event and print the outcome. */
  pthread_mutex_lock(&lock);
  while (received == NULL) pthread_cond_wait(&arrived, &lock);
  pthread_mutex_unlock(&lock);
  TRY("event kind", ctt_event_get_kind(received, &kind));
  TRY("event message", ctt_event_message(received, &message));
  printf("Outcome: %s: %s\n", kind == CTT_EVENT_CONSENT_FAILED ? "refused" : "granted", message ? message : "");

  ctt_event_free(received);
  ctt_action_url_free(action_url);
  ctt_request_free(request);
  ctt_client_free(client);
  TRY("stopping the listener", ctt_listener_stop(listener));
  ctt_listener_free(listener);
  ctt_callback_handler_free(handler);
  ctt_flow_signer_free(signer);
  ctt_mock_server_free(mock);
  ctt_runtime_shutdown(5000);
  return kind == CTT_EVENT_CONSENT_SUCCEEDED ? 0 : 1;
}
