//! GraphQL responses as the transports send them.

use async_graphql::{Response, ServerError};

use crate::error::ApiError;

/// Whether a response says the operation never ran (a parse or validation
/// failure, or an error before the first result): no data, only errors.
pub fn never_ran(response: &Response) -> bool {
    response.data == async_graphql::Value::Null && !response.errors.is_empty()
}

/// A response as JSON. A request that never ran has no `data` entry
/// (GraphQL over HTTP, "request errors").
pub fn response_json(response: &Response) -> serde_json::Value {
    let mut json = serde_json::to_value(response)
        .unwrap_or_else(|_| serde_json::json!({"errors": [{"message": "internal error"}]}));
    if never_ran(response)
        && let Some(object) = json.as_object_mut()
    {
        object.remove("data");
    }
    json
}

/// A response made of one coded error.
pub fn error_response(e: ApiError) -> Response {
    let mut err = ServerError::new(e.message, None);
    err.extensions.get_or_insert_with(Default::default).set("code", e.code.as_str());
    Response::from_errors(vec![err])
}
