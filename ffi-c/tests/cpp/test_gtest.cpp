// The header used from C++17 with GoogleTest: RAII wrappers, the same conventions.
#include <gtest/gtest.h>

#include <ctt.h>

#include <memory>
#include <string>

namespace {

struct EventFree {
  void operator()(ctt_event *e) const { ctt_event_free(e); }
};
using EventPtr = std::unique_ptr<ctt_event, EventFree>;

std::string last_error() {
  char buf[512];
  size_t n = 0;
  ctt_last_error_message(buf, sizeof buf, &n);
  return std::string(buf, n);
}

TEST(Ctt, VersionMatchesHeader) {
  EXPECT_EQ(std::string(ctt_version()), CTT_VERSION_STRING);
}

TEST(Ctt, RedirectIsParsed) {
  ctt_event *raw = nullptr;
  ASSERT_EQ(ctt_parse_consent_redirect("/cb?flow=1?error=Unable%20to%20Complete", &raw), CTT_OK) << last_error();
  EventPtr ev(raw);
  ctt_event_kind kind;
  ASSERT_EQ(ctt_event_get_kind(ev.get(), &kind), CTT_OK);
  EXPECT_EQ(kind, CTT_EVENT_CONSENT_FAILED);
  const char *msg = nullptr;
  ASSERT_EQ(ctt_event_message(ev.get(), &msg), CTT_OK);
  EXPECT_STREQ(msg, "Unable to Complete");
  const char *flow = nullptr;
  ASSERT_EQ(ctt_event_param_value(ev.get(), "flow", &flow), CTT_OK);
  EXPECT_STREQ(flow, "1");
}

TEST(Ctt, ErrorsCarryKindAndField) {
  char buf[64];
  size_t n = 0;
  EXPECT_EQ(ctt_validate_redirect_url("ftp://x.example/", buf, sizeof buf, &n), CTT_ERR_INVALID_INPUT);
  EXPECT_EQ(ctt_last_error_code(), CTT_ERR_INVALID_INPUT);
  EXPECT_NE(last_error().find("redirectUrl"), std::string::npos);
  EXPECT_EQ(ctt_validate_redirect_url(nullptr, buf, sizeof buf, &n), CTT_ERR_NULL_PARAMETER);
}

TEST(Ctt, PlanForEveryService) {
  ctt_consent_plan *plan = nullptr;
  ASSERT_EQ(ctt_consent_plan_new(CTT_SERVICE_ALL, &plan), CTT_OK);
  size_t len = 0;
  ASSERT_EQ(ctt_consent_plan_len(plan, &len), CTT_OK);
  EXPECT_EQ(len, 8u);
  ctt_action_type first;
  bool optional = true;
  ASSERT_EQ(ctt_consent_plan_step(plan, 0, &first, &optional), CTT_OK);
  EXPECT_EQ(first, CTT_ACTION_REGISTRATION);
  EXPECT_FALSE(optional);
  ctt_consent_plan_free(plan);
}

}  // namespace
