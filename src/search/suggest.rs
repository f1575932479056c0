//! Suggestions as one types: the questions that complete the letters typed so far.
