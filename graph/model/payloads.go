package model

// The payloads of the create mutations. A create can land in FreeScout and
// still fail to be read back: the payload then carries the new object's id
// and, on the object's field, the error (the methods below), instead of
// failing the whole mutation.

// CreateConversationPayload is createConversation's answer.
type CreateConversationPayload struct {
	ConversationID *string
	UserErrors     []*UserError
	Created        *Conversation // the conversation read back
	ReadErr        error         // why it could not be read back
}

// Conversation is the new conversation.
func (p *CreateConversationPayload) Conversation() (*Conversation, error) {
	return p.Created, p.ReadErr
}

// CreateThreadPayload is createThread's answer.
type CreateThreadPayload struct {
	ThreadID       *string
	UserErrors     []*UserError
	Created        *Thread       // the new thread, read back
	AtConversation *Conversation // its conversation, read back with it
	ReadErr        error         // why they could not be read back
}

// Thread is the new thread.
func (p *CreateThreadPayload) Thread() (*Thread, error) { return p.Created, p.ReadErr }

// Conversation is the thread's conversation as it now stands.
func (p *CreateThreadPayload) Conversation() (*Conversation, error) {
	return p.AtConversation, p.ReadErr
}

// CreateCustomerPayload is createCustomer's answer.
type CreateCustomerPayload struct {
	CustomerID *string
	UserErrors []*UserError
	Created    *Customer
	ReadErr    error
}

// Customer is the new customer.
func (p *CreateCustomerPayload) Customer() (*Customer, error) { return p.Created, p.ReadErr }

// CreateUserPayload is createUser's answer.
type CreateUserPayload struct {
	UserID     *string
	UserErrors []*UserError
	Created    *User
	ReadErr    error
}

// User is the new user.
func (p *CreateUserPayload) User() (*User, error) { return p.Created, p.ReadErr }
