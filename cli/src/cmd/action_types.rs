//! `ctt action-types [--services …]`.

use ctt_core::{ActionType, ConsentPlan, Service};
use serde_json::{json, Value};

use crate::config::Global;
use crate::fail::{Failure, Outcome, EXIT_OK};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Services the enterprise uses (pbx, sms, call_app, call_recording; comma-separated):
    /// prints the consent plan for them.
    #[arg(long, value_delimiter = ',', num_args = 1..)]
    services: Option<Vec<String>>,
}

pub fn run(args: Args, g: &Global) -> Outcome {
    let services = match &args.services {
        None => None,
        Some(names) => Some(
            names
                .iter()
                .filter(|n| !n.trim().is_empty())
                .map(|n| Service::from_name(n))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| Failure::usage(e.message()))?,
        ),
    };
    let plan = services.as_deref().map(ConsentPlan::for_services);
    let types: Vec<Value> = ActionType::ALL.iter().map(|&t| type_json(t)).collect();
    let plan_json = plan.as_ref().map(|p| {
        json!(p
            .steps()
            .iter()
            .map(|s| json!({"action_type": s.action_type.as_str(), "optional": s.optional}))
            .collect::<Vec<_>>())
    });
    let doc = json!({
        "action_types": types,
        "services": services.as_ref().map(|s| s.iter().map(|s| s.as_str()).collect::<Vec<_>>()),
        "plan": plan_json,
    });
    g.out().emit(&doc, || text(plan.as_ref()));
    Ok(EXIT_OK)
}

fn type_json(t: ActionType) -> Value {
    json!({
        "name": t.as_str(),
        "code": t.code(),
        "requirement": t.requirement().as_str(),
        "services": t.services().iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        "callback_style": t.callback_style().as_str(),
        "description": t.description(),
    })
}

fn text(plan: Option<&ConsentPlan>) -> String {
    let mut s = format!("{:<40} {:<22} {:<15} SERVICES\n", "ACTION TYPE", "REQUIREMENT", "CALLBACK");
    for t in ActionType::ALL {
        let services: Vec<&str> = t.services().iter().map(|s| s.display_name()).collect();
        s.push_str(&format!(
            "{:<40} {:<22} {:<15} {}\n",
            t.as_str(),
            t.requirement().as_str(),
            t.callback_style().as_str(),
            services.join(", ")
        ));
    }
    if let Some(plan) = plan {
        s.push_str("\nConsent plan:\n");
        for (i, step) in plan.steps().iter().enumerate() {
            let opt = if step.optional { " (optional)" } else { "" };
            s.push_str(&format!("  {}. {}{opt}\n", i + 1, step.action_type));
        }
    }
    s.trim_end().to_owned()
}
