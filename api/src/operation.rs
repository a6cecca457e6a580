//! Running one GraphQL query or mutation, the same over HTTP and WebSocket:
//! within the time limit and response budget, then the commit, then the
//! committed answer.

use std::sync::Arc;

use async_graphql::Response;
use async_graphql::parser::types::OperationType;

use crate::app::{AppState, Prepared};
use crate::error::{ApiError, classify};
use crate::schema::Caller;
use crate::schema::context::Pass;
use crate::schema::transaction::RequestTx;

/// Runs an admitted query or mutation and commits what it staged (nothing
/// when any field failed). A mutation that committed is then resolved again
/// against the committed state, so its selections show the request's own
/// writes (see [`Pass`]).
pub async fn run_operation(
    state: &AppState,
    mut request: async_graphql::Request,
    operation: Option<OperationType>,
    caller: Caller,
) -> Result<Response, ApiError> {
    // The second pass reuses the document admission parsed.
    let rerun = match operation {
        Some(OperationType::Mutation) => request.parsed_query().ok().cloned().map(|document| {
            (request.query.clone(), document, request.variables.clone(), request.operation_name.clone())
        }),
        _ => None,
    };
    let (request, staging) = state.prepare(request, caller.clone(), Pass::Staging);
    let response = run(state, request, &staging).await?;
    state.note_response(&response.errors);
    if !response.errors.is_empty() {
        // A failed field aborts the request's writes: nothing is committed.
        return Ok(response);
    }
    let committed = commit(&staging.tx).await;
    state.note_commit(&committed);
    let committed = committed?;
    if committed > 0 {
        state.metrics.record_commit(committed);
    }
    let Some((query, document, variables, operation_name)) = rerun.filter(|_| committed > 0) else {
        return Ok(response);
    };
    let mut again = async_graphql::Request::new(query).variables(variables);
    again.operation_name = operation_name;
    again.set_parsed_query(document);
    let (again, answering) = state.prepare(again, caller, Pass::Committed(Arc::new(staging.tx.answers())));
    // No time limit here: the write is done and the client is owed its answer.
    let mut answer = state.schema.execute(again).await;
    classify(&mut answer);
    state.note_response(&answer.errors);
    if answering.budget.is_exceeded() || !answer.errors.is_empty() {
        // The changes are committed whatever happens here; the first pass's
        // answer (the staged states) is still a true account of them.
        tracing::warn!(errors = ?answer.errors, "answering a committed mutation failed; answering with the staged states");
        return Ok(response);
    }
    Ok(answer)
}

/// Runs a prepared query or mutation within the request time limit and the
/// response budget. Nothing is written here: the caller commits afterwards,
/// so a request cut off by the time limit has written nothing.
async fn run(state: &AppState, request: async_graphql::Request, prepared: &Prepared) -> Result<Response, ApiError> {
    let limit = state.service.limits.request_timeout;
    let mut response = tokio::time::timeout(limit, state.schema.execute(request)).await.map_err(|_| {
        ApiError::limit(format!("the request ran longer than {limit:?} and was stopped; nothing was written"))
    })?;
    if prepared.budget.is_exceeded() {
        return Err(prepared.budget.exceeded());
    }
    classify(&mut response);
    Ok(response)
}

/// Commits the request's staged events. The commit runs in its own task, so
/// once it has begun it completes (and is durable) even if the client goes
/// away or the handler is cancelled.
async fn commit(tx: &Arc<RequestTx>) -> Result<usize, ApiError> {
    let tx = tx.clone();
    tokio::spawn(async move { tx.commit().await })
        .await
        .unwrap_or_else(|e| Err(crate::schema::context::internal(&format!("the commit task failed: {e}"))))
}
