//! API errors and the one place that maps every domain error to a GraphQL
//! `extensions.code`. Internal details go to the log, never to the client.

use async_graphql::ErrorExtensions;
use chronicle_model::ModelError;
use chronicle_store::StoreError;

/// The error codes of the contract (DESIGN.md section 6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Code {
    Unauthenticated,
    Forbidden,
    NotFound,
    Conflict,
    BadUserInput,
    UnknownPrecursor,
    LimitExceeded,
    /// The server's disk is full: nothing was written; retry later.
    StorageFull,
    Internal,
}

impl Code {
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Unauthenticated => "UNAUTHENTICATED",
            Code::Forbidden => "FORBIDDEN",
            Code::NotFound => "NOT_FOUND",
            Code::Conflict => "CONFLICT",
            Code::BadUserInput => "BAD_USER_INPUT",
            Code::UnknownPrecursor => "UNKNOWN_PRECURSOR",
            Code::LimitExceeded => "LIMIT_EXCEEDED",
            Code::StorageFull => "STORAGE_FULL",
            Code::Internal => "INTERNAL",
        }
    }
}

/// An error a resolver returns: a code and a message a person can act on.
///
/// Deliberately not `Display`: async-graphql converts any `Display` error
/// with a blanket `From` that would drop the code, so the conversion below
/// is the only way out of a resolver.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    pub code: Code,
    pub message: String,
}

impl ApiError {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }

    pub fn bad_input(message: impl Into<String>) -> Self {
        Self::new(Code::BadUserInput, message)
    }

    pub fn unauthenticated(message: impl Into<String>) -> Self {
        Self::new(Code::Unauthenticated, message)
    }

    pub fn limit(message: impl Into<String>) -> Self {
        Self::new(Code::LimitExceeded, message)
    }

    pub fn into_graphql(self) -> async_graphql::Error {
        let code = self.code.as_str();
        async_graphql::Error::new(self.message).extend_with(|_, e| e.set("code", code))
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(e: ApiError) -> Self {
        e.into_graphql()
    }
}

impl From<ModelError> for ApiError {
    fn from(e: ModelError) -> Self {
        let code = match &e {
            ModelError::UnknownPrecursor { .. } => Code::UnknownPrecursor,
            ModelError::NotFound { .. } | ModelError::Deleted { .. } => Code::NotFound,
            ModelError::EntityExists { .. } | ModelError::IdInOtherCollection { .. } => Code::Conflict,
            ModelError::Storage(source) => {
                if let Some(store) = source.inner().downcast_ref::<StoreError>() {
                    return ApiError::from(store);
                }
                tracing::error!(error = %e, "internal storage error");
                return ApiError::new(Code::Internal, "internal error; the server log has the details");
            }
            ModelError::Decode { .. } | ModelError::UnsupportedFormat { .. } | ModelError::InvalidModels(_) => {
                tracing::error!(error = %e, "internal model error");
                return ApiError::new(Code::Internal, "internal error; the server log has the details");
            }
            _ => Code::BadUserInput,
        };
        ApiError::new(code, e.to_string())
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        ApiError::from(&e)
    }
}

impl From<&StoreError> for ApiError {
    fn from(e: &StoreError) -> Self {
        match e {
            StoreError::Model(m) => m.clone().into(),
            StoreError::InvalidQuery(_) | StoreError::InvalidCursor(_) | StoreError::ForeignCursor(_) => {
                ApiError::bad_input(e.to_string())
            }
            StoreError::HeadsMismatch { .. } => ApiError::new(Code::Conflict, e.to_string()),
            StoreError::Closed => ApiError::new(Code::Internal, "the server is shutting down; retry shortly"),
            StoreError::StorageFull(_) => {
                tracing::error!(error = %e, "the store failed: the disk is full");
                ApiError::new(Code::StorageFull, "the server's storage is full: nothing was written; retry later")
            }
            other => {
                tracing::error!(error = %other, "internal store error");
                ApiError::new(Code::Internal, "internal error; the server log has the details")
            }
        }
    }
}

/// Gives every error of `response` a contract code (see [`classify_error`]).
pub fn classify(response: &mut async_graphql::Response) {
    for e in &mut response.errors {
        classify_error(e);
    }
}

/// Gives errors that async-graphql raised itself a contract code; errors
/// from resolvers and admission already carry one. What async-graphql still
/// reports after admission (which refuses nesting, depth and cost over the
/// limits with `LIMIT_EXCEEDED` before async-graphql parses anything) is a
/// parse or validation error: the request is wrong.
pub fn classify_error(error: &mut async_graphql::ServerError) {
    let has_code = error.extensions.as_ref().is_some_and(|e| e.get("code").is_some());
    if !has_code {
        error.extensions.get_or_insert_with(Default::default).set("code", Code::BadUserInput.as_str());
    }
}
