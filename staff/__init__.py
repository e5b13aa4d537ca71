"""Staff console: explain any reply (terminal and browser), batch and diff reports, regression stories."""
