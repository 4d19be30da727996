// The query GraphiQL opens with on a first visit (later visits restore the last tabs).
export const defaultQuery = `# scoutgraph: the FreeScout helpdesk as GraphQL.
# Run with Ctrl-Enter or the ▶ button,
# complete fields with Ctrl-Space, and open
# the Docs panel (top left) to browse the schema.

# Inbox: the 10 newest active conversations
# with their customer and assignee
query Inbox {
  conversations(first: 10, filter: { statuses: [ACTIVE] }) {
    totalCount
    nodes {
      id
      number
      subject
      status
      customer { firstName lastName }
      assignee { firstName lastName }
      updatedAt
    }
    pageInfo { hasNextPage endCursor }
  }
}
`;
