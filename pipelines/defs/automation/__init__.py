"""Running unattended: the jobs, the monthly schedule and the sensor that notices new files."""
