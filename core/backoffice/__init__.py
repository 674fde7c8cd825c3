"""Back office: doubtful cases, accounts, imports, statistics, audit."""
