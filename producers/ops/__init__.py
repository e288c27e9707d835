"""What operators read: the dashboard's snapshot and how its figures read, the chart, dead-letter replay."""
