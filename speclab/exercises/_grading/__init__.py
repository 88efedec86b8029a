"""The grading machinery every exercise shares (private: learners meet only `exN.check`).

`exercise` (the Exercise object: task, check, hint, solution), `isolation` (the learner's code in
a child process under a time limit), `sandbox` and `guards` (calls and inputs the learner must not
touch), `snapshot` (grading values put back before a check and verified after each case),
`outcomes` and `feedback` (what a check says), `sampling` (statistical checks), `returns`,
`formatting`, `capture`; and exercise 2's helpers `policy_time`, `stretches`, `tabled_policy`.
"""
