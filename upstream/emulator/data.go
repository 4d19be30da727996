package emulator

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// referenceTime is the fixed "now" of the sample data: every sample date lies before it.
func referenceTime() time.Time {
	return time.Date(2025, time.November, 3, 9, 0, 0, 0, time.UTC)
}

// sampleConversations is how many conversations the sample data holds (ids 1..240).
const sampleConversations = 240

// rng is a splitmix64 generator: deterministic, and stable across Go releases.
type rng struct {
	state uint64
}

func (r *rng) next() uint64 {
	r.state += 0x9E3779B97F4A7C15
	z := r.state
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

// intn returns a number in [0, n).
func (r *rng) intn(n int) int { return int(r.next() % uint64(n)) }

// between returns a number in [lo, hi].
func (r *rng) between(lo, hi int) int { return lo + r.intn(hi-lo+1) }

// chance is true percent times in a hundred.
func (r *rng) chance(percent int) bool { return r.intn(100) < percent }

// span returns a duration in [lo, hi), in whole seconds.
func (r *rng) span(lo, hi time.Duration) time.Duration {
	if hi-lo < time.Second {
		return lo
	}
	return lo + time.Duration(r.intn(int((hi-lo)/time.Second)))*time.Second
}

// hex returns n random hex digits.
func (r *rng) hex(n int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[r.intn(16)]
	}
	return string(b)
}

func pick[T any](r *rng, xs []T) T { return xs[r.intn(len(xs))] }

// sampler builds the sample data.
type sampler struct {
	rng
	s   *store
	ref time.Time
	tx  conversationTexts
}

// sampleStore builds the deterministic sample data: a helpdesk with three mailboxes.
// d is the API the store's answers are rendered in.
func sampleStore(d *dialect) *store {
	g := &sampler{rng: rng{state: 20251103}, s: newStore(d), ref: referenceTime(), tx: texts()}
	g.s.last.number = 1000 // conversation numbers are 1001.., ids 1..
	g.addUsers()
	g.addMailboxes()
	g.addFolders()
	g.addTags()
	g.addCustomerFields()
	g.addCustomers()
	for i := 1; i <= sampleConversations; i++ {
		g.addConversation(i)
	}
	// Everything below draws from the generator after the conversations, so it leaves them
	// as they were.
	g.completeFirstConversation()
	g.addNewcomers()
	g.addWebhooks()
	return g.s
}

func day(y int, m time.Month, d, h, min, s int) time.Time {
	return time.Date(y, m, d, h, min, s, 0, time.UTC)
}

// slug turns a name into the ASCII local part of an email address.
func slug(name string) string {
	r := strings.NewReplacer("á", "a", "é", "e", "í", "i", "ó", "o", "ú", "u", "ë", "e", "ö", "o",
		"ü", "u", "ñ", "n", "ç", "c", "ř", "r", "å", "a", "ä", "a", "ø", "o", "'", "", " ", "")
	return r.Replace(strings.ToLower(name))
}

func (g *sampler) addUsers() {
	specs := []struct {
		first, last, role, alt, job, phone, tz, lang string
		photo                                        bool
	}{
		{"Olivia", "Bennett", "admin", "olivia@example.net", "Head of Customer Support", "+44 20 7946 0321", "Europe/London", "en", true},
		{"Marcus", "Chen", "user", "", "Support Engineer", "+65 6123 4567", "Asia/Singapore", "en", true},
		{"Sofia", "Alvarez", "user", "sofia.a@example.net", "Customer Success Manager", "+52 55 1234 5678", "America/Mexico_City", "es", true},
		{"Daniel", "Okafor", "user", "", "Technical Support Specialist", "", "Africa/Lagos", "en", false},
		{"Hannah", "Schmidt", "user", "billing.hannah@example.com", "Billing Specialist", "+49 30 901820", "Europe/Berlin", "de", true},
		{"Ravi", "Patel", "user", "", "Support Agent", "+91 22 5550 1234", "Asia/Kolkata", "en", true},
		{"James", "O'Connor", "user", "", "Account Executive", "+1 212 555 0147", "America/New_York", "en", false},
		{"Yuki", "Tanaka", "user", "yuki@example.net, yuki.tanaka@example.org", "Sales Engineer", "+81 3 5555 0199", "Asia/Tokyo", "ja", true},
	}
	for i, sp := range specs {
		created := day(2022, time.March, 7, 9, 12, 44).AddDate(0, i*2, i*5).Add(time.Duration(i*3671) * time.Second)
		u := &user{
			id:              next(&g.s.last.user),
			firstName:       sp.first,
			lastName:        sp.last,
			email:           slug(sp.first) + "." + slug(sp.last) + "@example.com",
			role:            sp.role,
			alternateEmails: sp.alt,
			jobTitle:        sp.job,
			phone:           sp.phone,
			timezone:        sp.tz,
			language:        sp.lang,
			createdAt:       created,
			updatedAt:       created.AddDate(0, 7+i, 11).Add(time.Duration(i*977) * time.Second),
		}
		if sp.photo {
			u.photoURL = "https://support.example.com/storage/users/" + g.hex(32) + ".jpg"
		}
		g.s.users[u.id] = u
	}
}

func opt(id int, label string) fieldOption { return fieldOption{id: id, label: label} }

func field(id int, name, typ string, sortOrder int, required bool, options ...fieldOption) *customField {
	return &customField{id: id, name: name, typ: typ, options: options, required: required, sortOrder: sortOrder}
}

// addMailboxes adds Support, Billing and Sales. Each has custom fields of every type, two
// dropdowns among them, no two mailboxes alike; field ids are unique across mailboxes, as
// FreeScout numbers them in one table. Support's fields are the reference's (ids 18, 19, 37,
// 38 and 39, with its names, types, options and sort orders, which leave gaps) plus a
// second dropdown, Product. "required" is informational, as in FreeScout: the API does not
// enforce it.
func (g *sampler) addMailboxes() {
	mailboxes := []*mailbox{
		{
			id: 1, name: "Support", email: "support@example.com",
			createdAt: day(2022, time.March, 7, 9, 30, 2), updatedAt: day(2025, time.June, 2, 8, 15, 27),
			access: []int{1, 2, 3, 4, 6, 8},
			fields: []*customField{
				field(18, "Priority", fieldDropdown, 1, false, opt(1, "Low"), opt(2, "Medium"), opt(3, "High")),
				field(20, "Product", fieldDropdown, 2, false, opt(1, "Web App"), opt(2, "Mobile App"), opt(3, "API"), opt(4, "Integrations")),
				field(19, "Purchase Date", fieldDate, 3, false),
				field(37, "Vendor", fieldSingleline, 6, false),
				field(38, "Comments", fieldMultiline, 7, false),
				field(39, "Amount", fieldNumber, 8, false),
			},
		},
		{
			id: 2, name: "Billing", email: "billing@example.com",
			createdAt: day(2022, time.April, 19, 14, 2, 51), updatedAt: day(2025, time.February, 11, 16, 40, 9),
			access: []int{1, 2, 5, 6},
			fields: []*customField{
				field(7, "Currency", fieldDropdown, 1, true, opt(1, "USD"), opt(2, "EUR"), opt(3, "GBP")),
				field(8, "Plan", fieldDropdown, 2, false, opt(1, "Starter"), opt(2, "Team"), opt(4, "Business"), opt(7, "Enterprise")),
				field(9, "Amount", fieldNumber, 3, false),
				field(10, "Invoice Number", fieldSingleline, 4, false),
				field(11, "Billing Date", fieldDate, 5, false),
				field(12, "Internal Notes", fieldMultiline, 6, false),
			},
		},
		{
			id: 3, name: "Sales", email: "sales@example.com",
			createdAt: day(2023, time.January, 9, 10, 0, 37), updatedAt: day(2025, time.August, 28, 12, 5, 44),
			access: []int{1, 4, 7, 8},
			fields: []*customField{
				field(13, "Lead Source", fieldDropdown, 1, false, opt(1, "Website"), opt(2, "Referral"), opt(3, "Trade Show"), opt(4, "Cold Outreach")),
				field(14, "Deal Size", fieldNumber, 2, false),
				field(15, "Company Size", fieldDropdown, 3, false, opt(1, "1-10"), opt(2, "11-50"), opt(3, "51-200"), opt(4, "201+")),
				field(16, "Expected Close", fieldDate, 4, false),
				field(17, "Competitor", fieldSingleline, 5, false),
				field(21, "Requirements", fieldMultiline, 6, false),
			},
		},
	}
	for _, mb := range mailboxes {
		g.s.mailboxes[mb.id] = mb
	}
}

// addFolders adds, per mailbox, the shared folders and a Mine and a Starred folder per user
// with access, numbered in that order from 1.
func (g *sampler) addFolders() {
	shared := []struct {
		typ  int
		name string
	}{
		{folderUnassigned, "Unassigned"}, {folderDrafts, "Drafts"}, {folderAssigned, "Assigned"},
		{folderClosed, "Closed"}, {folderSpam, "Spam"}, {folderDeleted, "Deleted"},
	}
	for _, mb := range byID(g.s.mailboxes) {
		for _, sf := range shared {
			g.addFolder(&folder{mailboxID: mb.id, name: sf.name, typ: sf.typ})
		}
		for _, uid := range mb.access {
			g.addUserFolders(mb.id, uid)
		}
	}
}

// addFolder adds f with the next folder id.
func (g *sampler) addFolder(f *folder) {
	f.id = len(g.s.folders) + 1
	g.s.folders = append(g.s.folders, f)
	g.s.folderByID[f.id] = f
}

// addUserFolders adds the user's Mine and Starred folders in the mailbox.
func (g *sampler) addUserFolders(mailboxID, userID int) {
	g.addFolder(&folder{mailboxID: mailboxID, name: "Mine", typ: folderMine, userID: userID})
	g.addFolder(&folder{mailboxID: mailboxID, name: "Starred", typ: folderStarred, userID: userID})
}

// addTags adds the tags; "legacy" is on no conversation.
func (g *sampler) addTags() {
	names := []string{"overdue", "refund", "vip", "bug", "billing", "feature-request", "urgent",
		"follow-up", "onboarding", "invoice", "churn-risk", "enterprise", "legacy"}
	for i, name := range names {
		t := &tag{id: next(&g.s.last.tag), name: name, color: i%11 + 1}
		g.s.tags[t.id] = t
	}
}

// addCustomerFields adds the customer field definitions (Customer Fields module). Their ids
// are a table of their own; Account ID is 37, the id of the reference's customer_fields example.
func (g *sampler) addCustomerFields() {
	g.s.customerFields = []*customField{
		field(11, "Age", fieldNumber, 1, false),
		field(2, "Gender", fieldDropdown, 2, false, opt(1, "Male"), opt(2, "Female"), opt(3, "Non-binary"), opt(4, "Prefer not to say")),
		field(4, "Customer Tier", fieldDropdown, 3, false, opt(1, "Bronze"), opt(2, "Silver"), opt(3, "Gold"), opt(5, "Platinum")),
		field(37, "Account ID", fieldSingleline, 4, false),
		field(13, "Birthday", fieldDate, 5, false),
		field(15, "Preferences", fieldMultiline, 6, false),
	}
}

// addCustomers adds 50 customers. Customer 1 has every kind of data.
func (g *sampler) addCustomers() {
	firsts := []string{"Emma", "Liam", "Noah", "Ava", "Mia", "Lucas", "Amelia", "Ethan", "Harper", "Mateo",
		"Chloe", "Leo", "Zoë", "Aarav", "Isla", "Kenji", "Fatima", "Omar", "Grace", "Jack",
		"Priya", "Diego", "Elena", "Tomás", "Nora", "Felix", "Ingrid", "Kwame", "Lena", "Hugo",
		"Mei", "Rafael", "Sara", "Viktor", "Aisha", "Jonas", "Clara", "Mohammed", "Julia", "Pablo",
		"Hana", "Oscar", "Freya", "Luca", "Anya", "Samuel", "Chiara", "Dmitri", "Rosa", "Wei"}
	lasts := []string{"Johnson", "Müller", "García", "Kim", "Rossi", "Nguyen", "Kowalski", "Silva", "Andersson", "Dubois",
		"O'Brien", "Ito", "Hernández", "Novak", "Petrov", "Singh", "Cohen", "Okoye", "Larsen", "Fischer",
		"Moreau", "Costa", "Yamamoto", "Brown", "Wilson", "Ibrahim", "Martins", "Jensen", "Horvat", "Lopez",
		"Bianchi", "Schneider", "Wong", "Ali", "Murphy", "Kaya", "Virtanen", "Haddad", "Reyes", "Nakamura",
		"Walsh", "Becker", "Santos", "Duarte", "Lindqvist", "Ochoa", "Mensah", "Park", "Evans", "Dvořák"}
	companies := []struct{ name, domain string }{
		{"Acme Corp", "acme.example"}, {"Globex", "globex.example"}, {"Initech", "initech.example"},
		{"Umbrella Health", "umbrella-health.example"}, {"Stark Logistics", "stark-logistics.example"},
		{"Wayne Analytics", "wayne-analytics.example"}, {"Hooli", "hooli.example"},
		{"Vandelay Industries", "vandelay.example"}, {"Soylent Foods", "soylent.example"},
		{"Tyrell Systems", "tyrell.example"}, {"Wonka Confectionery", "wonka.example"},
		{"Pied Piper", "piedpiper.example"}, {"Aperture Labs", "aperture.example"},
	}
	jobs := []string{"Office Manager", "CTO", "Software Engineer", "Operations Lead", "Finance Director",
		"Marketing Manager", "IT Administrator", "Founder", "Product Manager", "Accountant", "Secretary"}
	notes := []string{"Prefers phone calls in the morning.", "Long-time customer since 2019.",
		"Escalate billing questions to Hannah.", "Asked not to receive marketing emails.",
		"Evaluating a move to the Enterprise plan.", "Nothing special to say."}
	addresses := []address{
		{"Los Angeles", "California", "90024", "US", "1419 Westwood Blvd"},
		{"London", "", "EC1A 1BB", "GB", "12 Aldersgate Street"},
		{"Berlin", "", "10115", "DE", "Invalidenstraße 44"},
		{"Toronto", "Ontario", "M5V 2T6", "CA", "401 King St W"},
		{"Sydney", "NSW", "2000", "AU", "88 George Street"},
		{"Austin", "Texas", "78701", "US", "600 Congress Ave"},
		{"Lisbon", "", "1100-148", "PT", "Rua Augusta 27"},
	}
	prefs := []string{"Prefers email over phone.\nAvailable after 2 pm CET.", "Needs invoices in EUR.\nCC the finance team."}
	for i := 1; i <= 50; i++ {
		first, last := firsts[i-1], lasts[(i*13)%50]
		full := i == 1
		c := &customer{id: next(&g.s.last.customer), firstName: first, lastName: last, photoType: "unknown", fields: map[int]string{}}
		domain, emailType := "mail.example.net", "home"
		if full || g.chance(80) {
			co := pick(&g.rng, companies)
			c.company, domain, emailType = co.name, co.domain, "work"
			if full || g.chance(75) {
				c.jobTitle = pick(&g.rng, jobs)
			}
		}
		c.emails = append(c.emails, contact{id: next(&g.s.last.email), value: slug(first) + "." + slug(last) + "@" + domain, typ: emailType})
		if full || g.chance(30) {
			c.emails = append(c.emails, contact{id: next(&g.s.last.email), value: slug(first) + slug(last)[:1] + "@inbox.example.org", typ: "other"})
		}
		if full || g.chance(50) {
			c.photoType, c.photoURL = "gravatar", "https://secure.gravatar.com/avatar/"+g.hex(32)+"?s=200"
		}
		if full || g.chance(25) {
			c.notes = pick(&g.rng, notes)
		}
		if full || g.chance(60) {
			c.phones = append(c.phones, contact{value: fmt.Sprintf("+1-555-%03d-%04d", g.intn(1000), g.intn(10000)), typ: pick(&g.rng, []string{"work", "mobile", "home"})})
			if full || g.chance(20) {
				c.phones = append(c.phones, contact{value: fmt.Sprintf("+44 20 7946 %04d", g.intn(10000)), typ: "mobile"})
			}
		}
		if full || g.chance(25) {
			c.socialProfiles = append(c.socialProfiles, contact{value: "@" + slug(first) + slug(last), typ: "twitter"})
			if full || g.chance(40) {
				c.socialProfiles = append(c.socialProfiles, contact{value: "https://www.linkedin.com/in/" + slug(first) + "-" + slug(last), typ: "linkedin"})
			}
		}
		if full || g.chance(15) {
			site := "https://" + slug(first) + slug(last) + ".example"
			if c.company != "" {
				site = "https://www." + domain
			}
			c.websites = append(c.websites, contact{value: site})
		}
		if full || g.chance(40) {
			a := pick(&g.rng, addresses)
			c.address = &a
		}
		if full || g.chance(60) {
			c.fields[11] = itoa(g.between(19, 68))
		}
		if full || g.chance(50) {
			c.fields[2] = itoa(g.between(1, 4))
		}
		if full || g.chance(30) {
			c.fields[4] = pick(&g.rng, []string{"1", "2", "3", "5"})
		}
		if full || g.chance(40) {
			c.fields[37] = fmt.Sprintf("ACC-%05d", 10000+i*37)
		}
		if full || g.chance(15) {
			c.fields[13] = day(1960+g.intn(44), time.Month(1+g.intn(12)), 1+g.intn(28), 0, 0, 0).Format(layoutDate)
		}
		if full || g.chance(10) {
			c.fields[15] = pick(&g.rng, prefs)
		}
		c.createdAt = g.ref.AddDate(0, 0, -(760 - i*14)).Add(-g.span(0, 20*time.Hour))
		c.updatedAt = c.createdAt.Add(g.span(time.Hour, g.ref.Sub(c.createdAt)-time.Hour))
		g.s.customers[c.id] = c
	}
}

// conversationTexts is the vocabulary of the sample conversations.
type conversationTexts struct {
	subjects  map[int][]string
	spam      []string
	openings  map[int][]string
	followUps []string
	replies   map[int][]string
	notes     []string
	files     []attachment
	tags      map[int][]string
}

func texts() conversationTexts {
	return conversationTexts{
		subjects: map[int][]string{
			1: {"Can't log in after password reset", "App crashes when uploading photos", "Export to CSV is missing columns",
				"Two-factor codes not arriving", "How do I add a team member?", "Sync stopped working", "Error 500 on the dashboard",
				"Feature request: dark mode", "Notifications are delayed", "Question about API rate limits",
				"Slack integration broken", "Changes are not saved", "Mobile app shows a blank screen", "Search returns wrong results"},
			2: {"Refund request", "Invoice shows the wrong VAT number", "Charged twice this month", "Update my credit card",
				"Upgrade to the Business plan", "Cancel my subscription", "Receipt for my last payment", "Discount code not applied",
				"Change billing address", "Payment failed", "Question about annual pricing", "Downgrade to Starter"},
			3: {"Pricing for 50 seats", "Demo request", "Enterprise plan question", "Security questionnaire", "Partnership inquiry",
				"Volume discount", "Trial extension", "Is SSO available?", "Custom contract terms", "Migrating from Zendesk"},
		},
		spam: []string{"You have WON a gift card!!!", "SEO services for your website", "Cheap designer watches",
			"Urgent: verify your account now", "Increase your followers today"},
		openings: map[int][]string{
			1: {"Since this morning I get an error whenever I try this. I already cleared the cache and tried another browser.",
				"Could you help me with this? It worked fine last week and nothing changed on our side.",
				"Several people on my team see the same problem. Is there an outage?"},
			2: {"Could you please refund my recent payment? I was charged after I cancelled.",
				"Our finance team noticed a problem with the last invoice. Could you take a look?",
				"I would like to change how we pay for our subscription."},
			3: {"We are a team of about 50 people and are comparing helpdesk tools.",
				"We would like to see a demo and get a quote for our company.",
				"Our procurement team needs some information before we can sign."},
		},
		followUps: []string{"Thanks, that worked!", "I'm still seeing the problem. Any update?",
			"Could you please check again? Nothing has changed.", "Thank you very much!",
			"Here are the details you asked for.", "Great, thanks for the quick answer."},
		replies: map[int][]string{
			1: {"Thanks for reporting this. Could you send us a screenshot of the error?",
				"We found the cause and deployed a fix. Could you try again?",
				"You can do this under Settings » Team. Let me know if you need more help."},
			2: {"I have issued the refund. It should reach your account within 5–10 business days.",
				"I corrected the invoice and attached the new version.",
				"Your plan has been updated; the change applies from the next billing cycle."},
			3: {"Thanks for your interest! I have attached our pricing sheet.",
				"I would be happy to set up a demo. Does Thursday at 3 pm work for you?",
				"I have forwarded the questionnaire to our security team."},
		},
		notes: []string{"Checked the logs: the sync job failed for this account.", "Escalated to engineering.",
			"Customer is on the legacy plan.", "Refund approved by finance.", "Called the customer, left a voicemail.",
			"Duplicate of an earlier ticket."},
		files: []attachment{
			{fileName: "screenshot.png", mimeType: "image/png"}, {fileName: "error-log.txt", mimeType: "text/plain"},
			{fileName: "invoice.pdf", mimeType: "application/pdf"}, {fileName: "receipt.pdf", mimeType: "application/pdf"},
			{fileName: "export.csv", mimeType: "text/csv"}, {fileName: "photo.jpg", mimeType: "image/jpeg"},
		},
		tags: map[int][]string{
			1: {"bug", "feature-request", "urgent", "follow-up", "vip", "overdue", "onboarding"},
			2: {"refund", "billing", "invoice", "vip", "overdue", "churn-risk"},
			3: {"enterprise", "vip", "follow-up", "onboarding", "churn-risk"},
		},
	}
}

// addConversation adds sample conversation i. Ages grow towards id 1 (about 36 hours per id,
// so the 240 conversations span a year); every 17th conversation shares its createdAt with
// the one before, so that sorting needs its tie-break. Ids ≡ 17 (mod 60) are drafts and
// ids ≡ 41 (mod 60) are deleted.
func (g *sampler) addConversation(i int) {
	tx := g.tx
	mbID := 1
	switch r := g.intn(100); {
	case i == 1: // the reference's examples use Support's field ids on conversation 1
	case r >= 80:
		mbID = 3
	case r >= 50:
		mbID = 2
	}
	mb := g.s.mailboxes[mbID]
	cust := g.s.customers[g.between(1, 50)]
	c := &conversation{
		id:         next(&g.s.last.conversation),
		number:     next(&g.s.last.number),
		mailboxID:  mbID,
		customerID: cust.id,
		state:      statePublished,
		fields:     map[int]string{},
	}
	c.createdAt = g.ref.Add(-time.Duration(sampleConversations-i) * 36 * time.Hour).Add(-g.span(6*time.Hour, 30*time.Hour))
	if prev := g.s.conversations[c.id-1]; prev != nil && i%17 == 0 {
		c.createdAt = prev.createdAt
	}
	old := g.ref.Sub(c.createdAt) > 120*24*time.Hour
	c.status = g.status(old)
	switch i % 60 {
	case 17:
		c.state, c.status = stateDraft, statusActive
	case 41:
		c.state = stateDeleted
	}
	c.typ = g.conversationType(mbID)
	c.subject = pick(&g.rng, tx.subjects[mbID])
	if c.status == statusSpam {
		c.typ, c.subject = typeEmail, pick(&g.rng, tx.spam)
	}
	switch {
	case c.status == statusClosed || (c.status != statusSpam && c.state != stateDraft && g.chance(75)):
		c.assigneeID = pick(&g.rng, mb.access)
	}
	agent := c.assigneeID
	if agent == 0 {
		agent = pick(&g.rng, mb.access)
	}
	if g.chance(12) {
		c.cc = []string{pick(&g.rng, []string{"accounts@", "team@", "it@"}) + strings.SplitN(cust.primaryEmail(), "@", 2)[1]}
	}
	if g.chance(6) {
		c.bcc = []string{"archive@example.com"}
	}

	kinds := g.threadKinds(c)
	t := c.createdAt
	var threads []*thread
	for k, kind := range kinds {
		if k > 0 {
			gap := g.span(20*time.Minute, 30*time.Hour)
			if limit := g.ref.Add(-10*time.Minute).Sub(t) / 2; gap > limit {
				gap = max(limit.Truncate(time.Second), time.Second)
			}
			t = t.Add(gap)
		}
		threads = append(threads, g.sampleThread(c, mb, cust, kind, k, agent, t, k == len(kinds)-1))
	}
	if c.state == stateDraft {
		threads[0].state = stateDraft
	}
	first, last := threads[0], threads[len(threads)-1]
	if first.typ == threadCustomer {
		c.createdByCustomerID = cust.id
		c.sourceType, c.sourceVia = first.sourceType, "customer"
	} else {
		c.createdByUserID = first.createdByUserID
		c.sourceType, c.sourceVia = "web", "user"
	}
	c.updatedAt = last.createdAt
	for _, th := range threads {
		if th.createdByUserID != 0 {
			c.userUpdatedAt = th.createdAt
		}
	}
	if c.status == statusClosed {
		c.closedAt = minTime(last.createdAt.Add(g.span(10*time.Minute, 48*time.Hour)), g.ref.Add(-time.Minute))
		c.closedByID = c.assigneeID
		c.updatedAt, c.userUpdatedAt = c.closedAt, c.closedAt
	}
	slices.Reverse(threads)
	c.threads = threads

	if c.state != stateDraft && c.status != statusSpam {
		g.sampleExtras(c, mb, last.createdAt)
	}
	g.s.conversations[c.id] = c
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// status picks a status: old conversations are mostly closed, recent ones mostly open.
func (g *sampler) status(old bool) string {
	r := g.intn(100)
	if old {
		switch {
		case r < 75:
			return statusClosed
		case r < 82:
			return statusSpam
		case r < 91:
			return statusActive
		}
		return statusPending
	}
	switch {
	case r < 45:
		return statusActive
	case r < 75:
		return statusPending
	case r < 95:
		return statusClosed
	}
	return statusSpam
}

func (g *sampler) conversationType(mailboxID int) string {
	r := g.intn(100)
	switch mailboxID {
	case 1:
		if r < 70 {
			return typeEmail
		} else if r < 90 {
			return typeChat
		}
		return typePhone
	case 2:
		if r < 85 {
			return typeEmail
		}
		return typePhone
	}
	if r < 60 {
		return typeEmail
	} else if r < 90 {
		return typePhone
	}
	return typeChat
}

// threadKinds lays out a conversation's thread types, oldest first. Work backwards from the
// last one, which fits the status (active waits on the agent, pending on the customer), and
// alternate customer replies and user messages, with a note here and there.
func (g *sampler) threadKinds(c *conversation) []string {
	if c.status == statusSpam {
		return []string{threadCustomer}
	}
	if c.state == stateDraft {
		return []string{threadMessage}
	}
	weights := []int{15, 25, 25, 15, 10, 10} // 1 to 6 threads
	n, r := 1, g.intn(100)
	for i, w := range weights {
		if r < w {
			n = i + 1
			break
		}
		r -= w
	}
	kinds := make([]string, n)
	switch {
	case c.status == statusActive:
		kinds[n-1] = threadCustomer
	case c.status == statusClosed && g.chance(30):
		kinds[n-1] = threadCustomer
	default:
		kinds[n-1] = threadMessage
	}
	following := kinds[n-1]
	for k := n - 2; k >= 0; k-- {
		if k > 0 && g.chance(18) {
			kinds[k] = threadNote
			continue
		}
		if following == threadCustomer {
			kinds[k] = threadMessage
		} else {
			kinds[k] = threadCustomer
		}
		following = kinds[k]
	}
	if c.typ == typePhone {
		kinds[0] = threadMessage
	}
	return kinds
}

// sampleThread makes the k-th thread (oldest first) of a sample conversation.
func (g *sampler) sampleThread(c *conversation, mb *mailbox, cust *customer, kind string, k, agent int, at time.Time, last bool) *thread {
	tx := g.tx
	th := &thread{
		id:           next(&g.s.last.thread),
		typ:          kind,
		state:        statePublished,
		customerID:   cust.id,
		assignedToID: c.assigneeID,
		createdAt:    at,
	}
	if k == 0 && kind == threadCustomer {
		th.assignedToID = 0 // not assigned yet when the customer wrote in
	}
	u := g.s.users[agent]
	switch kind {
	case threadCustomer:
		th.status = statusActive
		th.createdByCustomerID = cust.id
		th.sourceType, th.sourceVia = "email", "customer"
		if c.typ != typeEmail {
			th.sourceType = "web"
		}
		th.to = []string{mb.email}
		text := pick(&g.rng, tx.followUps)
		if k == 0 {
			text = pick(&g.rng, tx.openings[mb.id])
			if c.status == statusSpam {
				text = "Click the link below to claim your reward before it expires."
			}
		}
		th.body = fmt.Sprintf("<p>Hello,</p><p>%s</p><p>%s</p>", text, cust.firstName)
	case threadMessage:
		th.status = statusPending
		th.createdByUserID = agent
		th.sourceType, th.sourceVia = "web", "user"
		th.to = []string{cust.primaryEmail()}
		th.bcc = c.bcc
		th.body = fmt.Sprintf("<p>Hi %s,</p><p>%s</p><p>Best regards,<br>%s %s<br>%s team</p>",
			cust.firstName, pick(&g.rng, tx.replies[mb.id]), u.firstName, u.lastName, mb.name)
		if c.typ == typeEmail && g.chance(60) {
			th.openedAt = minTime(at.Add(g.span(5*time.Minute, 20*time.Hour)), g.ref)
		}
		if last && c.status == statusClosed {
			th.status = statusClosed // a reply that closes records it in its status, with no action
		}
	case threadNote:
		th.status = "nochange"
		th.createdByUserID = agent
		th.sourceType, th.sourceVia = "web", "user"
		th.body = "<p>" + pick(&g.rng, tx.notes) + "</p>"
	}
	if k == 0 || kind == threadMessage {
		th.cc = c.cc
	}
	if kind != threadNote && c.status != statusSpam && g.chance(12) {
		for range g.between(1, 2) {
			a := pick(&g.rng, tx.files)
			a.id = next(&g.s.last.attachment)
			a.size = g.between(2_000, 900_000)
			a.fileURL = fmt.Sprintf("https://support.example.com/storage/attachment/%d/%d/%s?id=%d&token=%s",
				a.id%10, a.id/10%10, a.fileName, a.id, g.hex(32))
			th.attachments = append(th.attachments, a)
		}
	}
	return th
}

// sampleExtras adds custom-field values, tags, stars and timelogs to a sample conversation.
func (g *sampler) sampleExtras(c *conversation, mb *mailbox, lastAt time.Time) {
	tx := g.tx
	if g.chance(70) {
		for _, f := range mb.fields {
			if g.chance(60) {
				c.fields[f.id] = g.fieldValue(f, c.createdAt)
			}
		}
	}
	if g.chance(60) {
		for range g.between(1, 3) {
			if t := g.s.tagByName(pick(&g.rng, tx.tags[mb.id])); t != nil && !slices.Contains(c.tagIDs, t.id) {
				c.tagIDs = append(c.tagIDs, t.id)
			}
		}
	}
	if g.chance(8) {
		who := c.assigneeID
		if who == 0 {
			who = pick(&g.rng, mb.access)
		}
		c.starredBy = append(c.starredBy, who)
	}
	if c.assigneeID == 0 || !g.chance(30) {
		return
	}
	g.addTimelogs(c, mb, lastAt)
}

// addTimelogs adds one to three finished timelogs, mostly by the assignee, between the
// conversation's creation and lastAt; the newest may be paused on an active conversation.
func (g *sampler) addTimelogs(c *conversation, mb *mailbox, lastAt time.Time) {
	var logs []*timelog
	for range g.between(1, 3) {
		u := c.assigneeID
		if g.chance(30) {
			u = pick(&g.rng, mb.access)
		}
		window := max(lastAt.Sub(c.createdAt), 2*time.Minute)
		tl := &timelog{
			conversationStatus: pick(&g.rng, []string{statusActive, statusPending}),
			userID:             u,
			timeSpent:          g.between(60, 3600),
			finished:           true,
			createdAt:          c.createdAt.Add(g.span(time.Minute, window)),
		}
		logs = append(logs, tl)
	}
	slices.SortFunc(logs, func(a, b *timelog) int { return a.createdAt.Compare(b.createdAt) })
	for _, tl := range logs {
		tl.id = next(&g.s.last.timelog)
		tl.updatedAt = tl.createdAt.Add(time.Duration(tl.timeSpent) * time.Second)
	}
	if newest := logs[len(logs)-1]; c.status == statusActive && g.chance(25) {
		newest.paused, newest.finished = true, false
	}
	slices.Reverse(logs)
	c.timelogs = logs
}

// fieldValue makes a plausible value for a sample custom field.
func (g *sampler) fieldValue(f *customField, created time.Time) string {
	switch f.typ {
	case fieldDropdown:
		return itoa(pick(&g.rng, f.options).id)
	case fieldDate:
		return created.AddDate(0, 0, g.between(-90, 90)).Format(layoutDate)
	case fieldNumber:
		switch f.name {
		case "Amount":
			return pick(&g.rng, []string{"7", "49", "129.99", "19.5", "480", "1250"})
		case "Deal Size":
			return itoa(g.between(10, 240) * 500)
		}
		return itoa(g.between(1, 250))
	case fieldMultiline:
		return pick(&g.rng, []string{"1. Open the dashboard\n2. Click Export\n3. Nothing happens",
			"Customer asked for a call back.\nPrefers mornings.", "Needs SSO and audit logs.\nBudget approved for Q1."})
	}
	switch f.name {
	case "Invoice Number":
		return fmt.Sprintf("INV-%d-%04d", created.Year(), g.between(1, 9999))
	case "Competitor":
		return pick(&g.rng, []string{"Zendesk", "Help Scout", "Freshdesk", "Intercom", "Front"})
	case "Vendor":
		return pick(&g.rng, []string{"Direct", "App Store", "Google Play", "AWS Marketplace", "SoftwareOne", "Shopify App Store"})
	}
	return "Example value"
}

// completeFirstConversation gives conversation 1, which the reference's examples read and
// change, what the reference shows on it: custom-field values (every Support field), tags
// and timelogs.
func (g *sampler) completeFirstConversation() {
	c := g.s.conversations[1]
	mb := g.s.mailboxes[c.mailboxID]
	if len(c.fields) == 0 {
		for _, f := range mb.fields {
			c.fields[f.id] = g.fieldValue(f, c.createdAt)
		}
	}
	if len(c.tagIDs) == 0 {
		c.tagIDs = []int{g.s.tagByName("overdue").id}
	}
	if len(c.timelogs) == 0 {
		g.addTimelogs(c, mb, c.threads[0].createdAt)
	}
}

// addNewcomers adds users 15 and 33, the ids of the reference's examples (FreeScout's user ids
// have gaps), who joined Support in autumn 2025, and gives James (7) access to Support too, as
// the reference's examples expect of user 7. Access came after the sample conversations, so
// none of them is assigned one; granting it made their Mine and Starred folders, which
// FreeScout numbers after the existing ones.
func (g *sampler) addNewcomers() {
	specs := []struct {
		id                                     int
		first, last, alt, job, phone, tz, lang string
		photo                                  bool
		created                                time.Time
		mailboxes                              []int
	}{
		{15, "Elif", "Demir", "", "Support Agent", "+90 212 555 0142", "Europe/Istanbul", "tr", true,
			day(2025, time.September, 15, 8, 2, 11), []int{1}},
		{33, "Maya", "Lindgren", "maya@example.net", "Support Team Lead", "+46 8 555 012 34", "Europe/Stockholm", "sv", false,
			day(2025, time.October, 6, 7, 45, 30), []int{1, 2}},
	}
	g.grantAccess(7, 1)
	for _, sp := range specs {
		u := &user{
			id:              sp.id,
			firstName:       sp.first,
			lastName:        sp.last,
			email:           slug(sp.first) + "." + slug(sp.last) + "@example.com",
			role:            "user",
			alternateEmails: sp.alt,
			jobTitle:        sp.job,
			phone:           sp.phone,
			timezone:        sp.tz,
			language:        sp.lang,
			createdAt:       sp.created,
			updatedAt:       sp.created.AddDate(0, 0, 9).Add(5437 * time.Second),
		}
		if sp.photo {
			u.photoURL = "https://support.example.com/storage/users/" + g.hex(32) + ".jpg"
		}
		g.s.users[u.id] = u
		g.s.last.user = max(g.s.last.user, u.id)
		for _, mbID := range sp.mailboxes {
			g.grantAccess(u.id, mbID)
		}
	}
}

// grantAccess lets the user work in the mailbox and adds the user's folders there.
func (g *sampler) grantAccess(userID, mailboxID int) {
	mb := g.s.mailboxes[mailboxID]
	mb.access = append(mb.access, userID)
	slices.Sort(mb.access)
	g.addUserFolders(mailboxID, userID)
}

// addWebhooks adds webhook 1, the one the reference's delete example removes.
func (g *sampler) addWebhooks() {
	h := &webhook{id: next(&g.s.last.webhook), url: "https://automation.example.com/hooks/freescout",
		events: []string{"convo.created", "convo.customer.reply.created", "convo.status"}}
	g.s.webhooks[h.id] = h
}
