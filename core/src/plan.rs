//! Which action types an enterprise needs, in order, and how far it has got.

use std::collections::BTreeMap;

use crate::action::{ActionType, Requirement, Service};

/// One step of a [`ConsentPlan`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanStep {
    /// The action to get a URL for.
    pub action_type: ActionType,
    /// Whether the enterprise can do without it.
    pub optional: bool,
}

/// The ordered action types an enterprise needs for the services it uses: registration first,
/// then required consents, then optional ones. LOGIN_ENTERPRISE_ADMIN is on demand, never planned.
///
/// ```
/// use ctt_core::{ActionType, ConsentPlan, Service};
/// let plan = ConsentPlan::for_services(&[Service::SmsConnector]);
/// let kinds: Vec<_> = plan.steps().iter().map(|s| s.action_type).collect();
/// assert_eq!(kinds[..2], [ActionType::Registration, ActionType::UserSyncConsent]);
/// assert!(!kinds.contains(&ActionType::PresenceConsent));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentPlan {
    steps: Vec<PlanStep>,
}

impl ConsentPlan {
    /// The plan for an enterprise using `services` (an empty list plans registration, the
    /// always-required consent and the service-independent optional ones).
    pub fn for_services(services: &[Service]) -> ConsentPlan {
        let uses = |t: ActionType| t.services().iter().any(|s| services.contains(s));
        let rank = |t: ActionType| match t.requirement() {
            Requirement::FlowStep => 0,
            Requirement::Required | Requirement::RequiredForServices => 1,
            Requirement::Optional => 2,
        };
        let mut steps: Vec<PlanStep> = ActionType::ALL
            .into_iter()
            .filter(|&t| match t.requirement() {
                Requirement::FlowStep => t == ActionType::Registration,
                Requirement::Required => true,
                Requirement::RequiredForServices => uses(t),
                Requirement::Optional => uses(t) || t == ActionType::ServiceProviderManagementConsent,
            })
            .map(|t| PlanStep { action_type: t, optional: t.requirement() == Requirement::Optional })
            .collect();
        steps.sort_by_key(|s| rank(s.action_type)); // stable: keeps reference order within a rank
        ConsentPlan { steps }
    }

    /// The steps, in order.
    pub fn steps(&self) -> &[PlanStep] {
        &self.steps
    }

    /// Whether `action_type` is part of the plan.
    pub fn contains(&self, action_type: ActionType) -> bool {
        self.steps.iter().any(|s| s.action_type == action_type)
    }
}

/// What happened to one step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepStatus {
    /// Not reported yet.
    Pending,
    /// Completed.
    Done,
    /// The last report was a failure, with its message. A later success replaces it.
    Failed(String),
}

/// Tracks a [`ConsentPlan`] as callbacks arrive.
///
/// ```
/// use ctt_core::{ActionType, ConsentPlan, ConsentProgress};
/// let mut p = ConsentProgress::new(ConsentPlan::for_services(&[]));
/// p.record_success(ActionType::Registration);
/// p.record_failure(ActionType::UserSyncConsent, "User is not a Global Admin");
/// assert_eq!(p.done(), vec![ActionType::Registration]);
/// assert_eq!(p.failed()[0].0, ActionType::UserSyncConsent);
/// assert!(!p.is_complete());
/// ```
#[derive(Debug, Clone)]
pub struct ConsentProgress {
    plan: ConsentPlan,
    status: BTreeMap<ActionType, StepStatus>,
}

impl ConsentProgress {
    /// A tracker with every step pending.
    pub fn new(plan: ConsentPlan) -> ConsentProgress {
        ConsentProgress { plan, status: BTreeMap::new() }
    }

    /// The plan being tracked.
    pub fn plan(&self) -> &ConsentPlan {
        &self.plan
    }

    /// Records a success. Returns false (and records nothing) for a type outside the plan.
    pub fn record_success(&mut self, action_type: ActionType) -> bool {
        self.record(action_type, StepStatus::Done)
    }

    /// Records a failure with its message. A step already done stays done.
    pub fn record_failure(&mut self, action_type: ActionType, message: impl Into<String>) -> bool {
        if self.status_of(action_type) == StepStatus::Done {
            return self.plan.contains(action_type);
        }
        self.record(action_type, StepStatus::Failed(message.into()))
    }

    /// Records what a callback event says, when the event carries a verified state token
    /// (the only trustworthy source of its action type). Returns whether anything was recorded.
    pub fn record_event(&mut self, event: &crate::callback::CallbackEvent) -> bool {
        let Some(state) = event.state() else { return false };
        match event.failure_message() {
            None => self.record_success(state.action_type),
            Some(message) => self.record_failure(state.action_type, message),
        }
    }

    fn record(&mut self, action_type: ActionType, status: StepStatus) -> bool {
        if !self.plan.contains(action_type) {
            return false;
        }
        self.status.insert(action_type, status);
        true
    }

    /// The status of one step (pending for types outside the plan).
    pub fn status_of(&self, action_type: ActionType) -> StepStatus {
        self.status.get(&action_type).cloned().unwrap_or(StepStatus::Pending)
    }

    fn steps_where(&self, f: impl Fn(&StepStatus) -> bool) -> Vec<ActionType> {
        let steps = self.plan.steps.iter().map(|s| s.action_type);
        steps.filter(|&t| f(&self.status_of(t))).collect()
    }

    /// Completed steps, in plan order.
    pub fn done(&self) -> Vec<ActionType> {
        self.steps_where(|s| *s == StepStatus::Done)
    }

    /// Failed steps with their last message, in plan order.
    pub fn failed(&self) -> Vec<(ActionType, String)> {
        let steps = self.plan.steps.iter().map(|s| s.action_type);
        steps
            .filter_map(|t| match self.status_of(t) {
                StepStatus::Failed(m) => Some((t, m)),
                _ => None,
            })
            .collect()
    }

    /// Steps not done yet (pending or failed), in plan order, optional ones included.
    pub fn remaining(&self) -> Vec<ActionType> {
        self.steps_where(|s| *s != StepStatus::Done)
    }

    /// The first step not done yet, if any.
    pub fn next(&self) -> Option<ActionType> {
        self.remaining().first().copied()
    }

    /// Whether every non-optional step is done.
    pub fn is_complete(&self) -> bool {
        let required = self.plan.steps.iter().filter(|s| !s.optional);
        required.into_iter().all(|s| self.status_of(s.action_type) == StepStatus::Done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ActionType::*;

    fn kinds(services: &[Service]) -> Vec<ActionType> {
        ConsentPlan::for_services(services).steps().iter().map(|s| s.action_type).collect()
    }

    #[test]
    fn plans_are_ordered_and_filtered() {
        assert_eq!(
            kinds(&[Service::PbxConnector]),
            [
                Registration,
                UserSyncConsent,
                PresenceConsent,
                ContactsConsent,
                CdrConsent,
                ServiceProviderManagementConsent
            ]
        );
        assert_eq!(
            kinds(&Service::ALL),
            [
                Registration,
                UserSyncConsent,
                PresenceConsent,
                CallAppConsent,
                CallRecordingConsent,
                ContactsConsent,
                CdrConsent,
                ServiceProviderManagementConsent
            ]
        );
        assert_eq!(kinds(&[]), [Registration, UserSyncConsent, ServiceProviderManagementConsent]);
    }

    #[test]
    fn progress_tracks_success_failure_and_retries() {
        let mut p = ConsentProgress::new(ConsentPlan::for_services(&[Service::SmsConnector]));
        assert!(!p.record_success(CallRecordingConsent), "outside the plan");
        assert_eq!(p.next(), Some(Registration));
        p.record_success(Registration);
        p.record_failure(UserSyncConsent, "denied");
        assert!(!p.is_complete());
        p.record_success(UserSyncConsent);
        p.record_failure(UserSyncConsent, "late failure does not undo");
        assert!(p.is_complete(), "optional steps do not block completion");
        assert!(p.failed().is_empty());
        assert_eq!(p.remaining(), [ContactsConsent, ServiceProviderManagementConsent]);
    }
}
