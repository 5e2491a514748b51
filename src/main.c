/* Placeholder until the command line lands (issue 2). */
int main(void)
{
	return 0;
}
