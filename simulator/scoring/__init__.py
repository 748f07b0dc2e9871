"""From coded turns to a report: the rubric, the levels, the feedback, the debrief."""
