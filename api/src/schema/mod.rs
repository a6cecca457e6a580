//! The GraphQL schema, generated from the registered model descriptors.
//!
//! Adding a model to the app adds its object type, filters, orderings,
//! queries, mutations and relations here, with no hand-written resolver.

pub mod connection;
pub mod context;
pub mod events;
pub mod filters;
pub mod mutation;
pub mod names;
pub mod object;
pub mod query;
pub mod scalars;
pub mod subscription;
pub mod transaction;

use std::collections::BTreeMap;

use async_graphql::dynamic::{Object, Schema, SchemaError, Subscription};
use chronicle_model::{FieldType, Models, ScalarType};

use names::{MUTATION, QUERY, SUBSCRIPTION};

pub use context::{Caller, Limits, RequestData, Service};

/// Builds the schema for `models`. Resolvers find the [`Service`] (with its
/// limits) in each request's data; requests pass [`crate::admission`] first.
pub fn build(models: &Models) -> Result<Schema, SchemaError> {
    let mut query = Object::new(QUERY);
    let mut mutation = Object::new(MUTATION);
    let mut subscription = Subscription::new(SUBSCRIPTION);
    let mut builder = Schema::build(QUERY, Some(MUTATION), Some(SUBSCRIPTION));

    for s in scalars::scalars() {
        builder = builder.register(s);
    }
    for f in filters::shared_filter_inputs() {
        builder = builder.register(f);
    }
    let mut enums = BTreeMap::new();
    for d in models.iter() {
        for f in &d.fields {
            if let FieldType::Scalar { ty: ScalarType::Enum { name, variants }, .. } = &f.ty {
                enums.insert(name.clone(), variants.clone());
            }
        }
    }
    for (name, variants) in enums {
        let (e, filter) = filters::enum_types(&name, &variants);
        builder = builder.register(e).register(filter);
    }
    let (event_objects, event_kind, event_where) = events::event_types();
    for o in event_objects {
        builder = builder.register(o);
    }
    builder =
        builder.register(event_kind).register(event_where).register(connection::page_info()).register(query::me_type());
    for i in mutation::text_inputs() {
        builder = builder.register(i);
    }

    for d in models.iter() {
        let names = names::ModelNames::of(d);
        builder = builder
            .register(object::model_object(models, d))
            .register(filters::where_input(d))
            .register(filters::order_by_enum(d));
        for o in connection::connection_types(&names.ty, &names.connection(), &names.edge()) {
            builder = builder.register(o);
        }
        for i in mutation::inputs(d) {
            builder = builder.register(i);
        }
        for f in query::model_fields(d) {
            query = query.field(f);
        }
        for f in mutation::model_fields(d) {
            mutation = mutation.field(f);
        }
        builder = builder.register(subscription::change_object(d));
        for f in subscription::model_fields(d) {
            subscription = subscription.field(f);
        }
    }
    for f in query::shared_fields() {
        query = query.field(f);
    }
    subscription = subscription.field(subscription::events_field());
    builder = builder.register(subscription::change_kind_enum());

    builder
        .register(query)
        .register(mutation)
        .register(subscription)
        // Depth and cost are checked by `admission` before execution, in
        // linear time and without counting introspection towards depth.
        .limit_recursive_depth(crate::admission::MAX_NESTING)
        .finish()
}
