"""The log-frame of a cluster (issue 18): rows of goal, purpose, outputs and activities with
an indicator, baseline, target and source each; where every indicator stands today."""
