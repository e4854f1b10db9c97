// Package store is the platform's data model: organisations and their users,
// API keys and projects, analyses and the state machine they move through,
// tool runs, findings with their triage history, the detectors' learned
// precision and the audit log. It holds the domain types, the rules that do
// not depend on a database (legal state transitions, roles, statuses) and
// the Store interface; package store/postgres implements it.
//
// Every method that reads or writes tenant data takes the organisation id
// and filters by it, so a caller holding one organisation's id can never see
// another's rows. The exceptions are the two lookups that authentication
// needs before it knows the organisation (an API key by its public key id,
// a user by e-mail); both return the organisation id for the caller to use.
package store
