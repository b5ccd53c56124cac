//! Delivery: the production deliverer hands each notification to its receiver's service
//! ([`super::receivers`], one file each).

use std::sync::Arc;
use std::time::Duration;

use super::outbox::Outbox;
pub use super::receivers::read_secret;
pub use super::receivers::slack::slack_message;
pub use super::receivers::webhook::{flux_payload, herald_payload};
use super::receivers::{self, Cx};
use super::templates::Templates;
use super::{Deliver, Notification, Outcome};
use crate::config::{Receiver, ReceiverKind};

/// The production deliverer. `threads` keeps Slack threads (the outbox's database) so that a
/// recovery is posted in the thread of its failure, across restarts too.
pub fn http(timeout: Duration, threads: Option<Arc<Outbox>>, templates: Arc<Templates>) -> Deliver {
    let client = reqwest::Client::builder()
        .timeout(timeout)
        .user_agent(concat!("herald/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("an HTTP client");
    Arc::new(move |receiver: Arc<Receiver>, n: Notification| {
        let client = client.clone();
        let threads = threads.clone();
        let templates = Arc::clone(&templates);
        Box::pin(async move {
            deliver(
                &client,
                threads.as_deref(),
                &templates,
                &receiver,
                &n,
                timeout,
            )
            .await
        })
    })
}

async fn deliver(
    client: &reqwest::Client,
    threads: Option<&Outbox>,
    templates: &Templates,
    r: &Receiver,
    n: &Notification,
    timeout: Duration,
) -> Outcome {
    let cx = Cx {
        client,
        threads,
        templates,
        receiver: &r.name,
        timeout,
    };
    match &r.kind {
        ReceiverKind::Webhook(c) => receivers::webhook::deliver(c, &cx, n).await,
        ReceiverKind::Alertmanager(c) => receivers::alertmanager::deliver(c, &cx, n).await,
        ReceiverKind::Slack(c) => receivers::slack::deliver(c, &cx, n).await,
        ReceiverKind::Email(c) => receivers::email::deliver(c, &cx, n).await,
        ReceiverKind::Teams(c) => receivers::teams::deliver(c, &cx, n).await,
        ReceiverKind::Discord(c) => receivers::discord::deliver(c, &cx, n).await,
        ReceiverKind::GoogleChat(c) => receivers::google_chat::deliver(c, &cx, n).await,
        ReceiverKind::Mattermost(c) => receivers::mattermost::deliver(c, &cx, n).await,
        ReceiverKind::Telegram(c) => receivers::telegram::deliver(c, &cx, n).await,
        ReceiverKind::PagerDuty(c) => receivers::pagerduty::deliver(c, &cx, n).await,
        ReceiverKind::Opsgenie(c) => receivers::opsgenie::deliver(c, &cx, n).await,
        ReceiverKind::Template(c) => receivers::template::deliver(c, &cx, n).await,
        ReceiverKind::GitHub(c) => receivers::github::deliver(c, &cx, n).await,
        ReceiverKind::GitLab(c) => receivers::gitlab::deliver(c, &cx, n).await,
        ReceiverKind::Gitea(c) => receivers::gitea::deliver(c, &cx, n).await,
        ReceiverKind::Bitbucket(c) => receivers::bitbucket::deliver(c, &cx, n).await,
        ReceiverKind::AzureDevops(c) => receivers::azure_devops::deliver(c, &cx, n).await,
        ReceiverKind::GithubDeployment(c) => receivers::github_deployment::deliver(c, &cx, n).await,
        ReceiverKind::GithubDispatch(c) => receivers::github_dispatch::deliver(c, &cx, n).await,
        ReceiverKind::GitlabDeployment(c) => receivers::gitlab_deployment::deliver(c, &cx, n).await,
        ReceiverKind::GitlabPipeline(c) => receivers::gitlab_pipeline::deliver(c, &cx, n).await,
    }
}
